// A demo user's token for the local emulator. The emulator (like platform-monitoring) reads the user
// from the claim without checking the signature; we still sign it HS256 with the Python SDK's
// stand-alone secret "neuro" when WebCrypto is available (secure contexts only).

const USER_CLAIM = "https://platform.neuromation.io/user";

function b64url(bytes) {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const enc = new TextEncoder();

export async function demoToken(user) {
  const header = b64url(enc.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = b64url(enc.encode(JSON.stringify({ [USER_CLAIM]: user, iat: Math.floor(Date.now() / 1000) })));
  const signingInput = `${header}.${payload}`;
  let sig = b64url(enc.encode("unsigned"));
  if (globalThis.crypto && crypto.subtle) {
    const key = await crypto.subtle.importKey("raw", enc.encode("neuro"), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
    sig = b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, enc.encode(signingInput))));
  }
  return `${signingInput}.${sig}`;
}
