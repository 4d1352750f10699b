// Interop helper for Tokendesk's tests: node `jose` (pinned in package.json / package-lock.json)
// as an independent JOSE implementation. Reads a JSON array of jobs on stdin, writes a JSON array
// of results on stdout, one per job: {ok: ...} or {error: "...", code: "..."}. Offline only.
import * as jose from 'jose';

const enc = new TextEncoder();
const dec = new TextDecoder();

async function run(job) {
  switch (job.op) {
    case 'generate': { // a key pair (or secret) for alg; JWKs out
      if (job.kty === 'oct') {
        const secret = crypto.getRandomValues(new Uint8Array(job.bytes));
        return { private: { kty: 'oct', k: jose.base64url.encode(secret) } };
      }
      const pair = await jose.generateKeyPair(job.alg, { extractable: true, ...(job.crv ? { crv: job.crv } : {}) });
      return { private: await jose.exportJWK(pair.privateKey), public: await jose.exportJWK(pair.publicKey) };
    }
    case 'sign': {
      const key = await jose.importJWK(job.jwk, job.alg);
      return await new jose.CompactSign(enc.encode(job.payload))
        .setProtectedHeader({ alg: job.alg, typ: 'JWT', ...(job.kid ? { kid: job.kid } : {}) })
        .sign(key);
    }
    case 'verify': {
      const key = await jose.importJWK(job.jwk, job.alg);
      const { payload } = await jose.compactVerify(job.token, key, { algorithms: [job.alg] });
      return dec.decode(payload);
    }
    case 'encrypt': {
      const key = job.password !== undefined ? enc.encode(job.password) : await jose.importJWK(job.jwk, job.alg);
      const jwe = new jose.CompactEncrypt(enc.encode(job.plaintext))
        .setProtectedHeader({ alg: job.alg, enc: job.enc, ...(job.cty ? { cty: job.cty } : {}) });
      if (job.p2c) jwe.setKeyManagementParameters({ p2c: job.p2c });
      return await jwe.encrypt(key);
    }
    case 'decrypt': {
      const key = job.password !== undefined ? enc.encode(job.password) : await jose.importJWK(job.jwk, job.alg);
      const { plaintext } = await jose.compactDecrypt(job.token, key, {
        keyManagementAlgorithms: [job.alg], contentEncryptionAlgorithms: [job.enc],
      });
      return dec.decode(plaintext);
    }
    case 'dpop_proof': { // a DPoP proof (RFC 9449) signed with job.jwk, its public half in the header
      const key = await jose.importJWK(job.jwk, job.alg);
      return await new jose.SignJWT(job.claims)
        .setProtectedHeader({ alg: job.alg, typ: 'dpop+jwt', jwk: job.public, ...(job.header || {}) })
        .sign(key);
    }
    case 'verify_dpop': { // jose's own check of a proof: signature under the embedded jwk, typ
      const { payload, protectedHeader } = await jose.jwtVerify(job.token, jose.EmbeddedJWK,
        { typ: 'dpop+jwt', algorithms: [job.alg] });
      return { payload, thumbprint: await jose.calculateJwkThumbprint(protectedHeader.jwk, 'sha256') };
    }
    case 'thumbprint': // RFC 7638
      return await jose.calculateJwkThumbprint(job.jwk, 'sha256');
    default:
      throw new Error(`unknown op ${job.op}`);
  }
}

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const jobs = JSON.parse(Buffer.concat(chunks).toString('utf8'));
const results = [];
for (const job of jobs) {
  try {
    results.push({ ok: await run(job) });
  } catch (e) {
    results.push({ error: String(e && e.message || e), code: e && e.code || null });
  }
}
process.stdout.write(JSON.stringify(results));
