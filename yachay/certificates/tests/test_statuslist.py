import base64
import gzip

import pytest

from yachay.certificates import statuslist


def test_bit_zero_is_the_leftmost_bit_and_the_list_has_the_minimum_size():
    bits = statuslist.new_bits(10)
    assert len(bits) * 8 == statuslist.MIN_BITS == 131_072
    statuslist.set_bit(bits, 0)
    statuslist.set_bit(bits, 9)
    assert bits[0] == 0b1000_0000 and bits[1] == 0b0100_0000
    statuslist.set_bit(bits, 9, False)
    assert bits[1] == 0


def test_encode_is_gzip_base64url_with_u_prefix_and_round_trips():
    bits = statuslist.new_bits()
    for index in (0, 7, 8, 131_071):
        statuslist.set_bit(bits, index)
    encoded = statuslist.encode(bits)
    assert encoded.startswith("u") and "=" not in encoded and "+" not in encoded
    body = encoded[1:]
    assert gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))) == bits
    decoded = statuslist.decode(encoded)
    assert [i for i in (0, 1, 7, 8, 9, 131_071) if statuslist.get_bit(decoded, i)] == [
        0,
        7,
        8,
        131_071,
    ]
    with pytest.raises(IndexError):
        statuslist.get_bit(decoded, 131_072)


@pytest.mark.parametrize("bad", ["", "H4sI", "u", "u!!!", "uAAAA", None, 5])
def test_bad_encoded_lists_raise_one_error(bad):
    with pytest.raises(statuslist.StatusListError):
        statuslist.decode(bad)
