#!/usr/bin/env node
// The independent verifier: checks credentials issued by Yachay with the W3C editors' own
// libraries (@digitalbazaar/vc, data-integrity, eddsa-rdfc-2022-cryptosuite, ed25519-multikey,
// vc-bitstring-status-list, jsonld), strict JSON-LD, and no network: the contexts come from
// yachay/certificates/contexts/, the DID document and the status lists from files.
//
//   node tools/verify-credentials.mjs --did did.json [--status-list list.json ...] cred.json ...
//
// Prints one JSON line per credential: {"file", "verified", "revoked", "error"}. Exit code 0 when
// every file could be checked (whatever the verdicts), 2 on bad usage.
import fs from 'node:fs';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const here = path.dirname(fileURLToPath(import.meta.url));
const contextsDir = path.join(here, '..', 'yachay', 'certificates', 'contexts');
const readJson = file => JSON.parse(fs.readFileSync(file, 'utf8'));

const documents = new Map();
const index = readJson(path.join(contextsDir, 'index.json'));
for(const [url, file] of Object.entries(index)) {
  documents.set(url, readJson(path.join(contextsDir, file)));
}

const files = [];
const args = process.argv.slice(2);
for(let i = 0; i < args.length; i++) {
  if(args[i] === '--did' || args[i] === '--status-list') {
    const doc = readJson(args[++i]);
    documents.set(doc.id, doc);
  } else {
    files.push(args[i]);
  }
}
if(files.length === 0) {
  console.error('usage: verify-credentials.mjs --did did.json [--status-list l.json] cred.json...');
  process.exit(2);
}

async function documentLoader(url) {
  if(documents.has(url)) {
    return {contextUrl: null, documentUrl: url, document: documents.get(url)};
  }
  // A key of a DID document: did:web:host#key-1.
  const [base] = url.split('#');
  const did = documents.get(base);
  const method = did && (did.verificationMethod || []).find(m => m.id === url);
  if(method) {
    return {
      contextUrl: null, documentUrl: url,
      document: {'@context': did['@context'], ...method}
    };
  }
  throw new Error(`refused to load ${url}: not bundled (no network)`);
}

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
for(const file of files) {
  let line;
  try {
    const credential = readJson(file);
    const result = await vc.verifyCredential({
      credential, suite, documentLoader, checkStatus
    });
    const status = result.statusResult;
    const revoked = status && status.verified ?
      status.results.some(r => r.verified && r.status === true) : null;
    const errors = [];
    if(result.error) {
      errors.push(...(result.error.errors || [result.error]).map(e => e.message));
    }
    if(status && !status.verified && status.error) {
      errors.push(status.error.message);
    }
    line = {file, verified: result.verified && revoked === false, revoked,
      error: errors.join('; ') || null};
  } catch(e) {
    line = {file, verified: false, revoked: null, error: e.message};
  }
  console.log(JSON.stringify(line));
}
