"""The demo: a program, its applicants, staff and a classroom, made from every app."""
