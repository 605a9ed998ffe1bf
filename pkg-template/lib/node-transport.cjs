'use strict';
// Node's HTTP transport: node:http/https with keep-alive agents, which cost a fraction of Node's
// `fetch` per request. Same interface as the fetch transport in api.js:
// (req: { method, url, headers, body? }, { signal?, timeoutMs }) => Promise<{ status, headers, body: Uint8Array }>,
// where `headers` has `get(name)` (and `toHeaders()` when it is not a `Headers`).

// A response's headers, read by name as `Headers.get` reads them. Building a `Headers` took ~4 µs
// for a few headers (measured), more than the rest of this transport's own work per request: it is
// built only for an error that carries the headers (`toHeaders`).
class RawHeaders {
  constructor(raw) {
    this.raw = raw;
  }

  get(name) {
    const want = name.toLowerCase();
    let value = null;
    for (let i = 0; i + 1 < this.raw.length; i += 2) {
      const n = this.raw[i];
      if (n.length === want.length && n.toLowerCase() === want) value = value === null ? this.raw[i + 1] : `${value}, ${this.raw[i + 1]}`;
    }
    return value;
  }

  toHeaders() {
    const h = new Headers();
    for (let i = 0; i + 1 < this.raw.length; i += 2) {
      try { h.append(this.raw[i], this.raw[i + 1]); } catch { /* a header Headers refuses */ }
    }
    return h;
  }
}

// `load[protocol]()` gives node:http or node:https on the first request that needs it: loading
// node:http costs about as much as the rest of `import 'apolo-apps'`, and TLS more. The second
// argument: the JS layer's request deadlines, `{ startDeadline(ms, fire), stopDeadline(d) }`.
function nodeTransport(load, { startDeadline, stopDeadline }) {
  // Idle sockets are closed after 4 s, before common server idle timeouts (5 s and up), so that a
  // request rarely meets a socket the server is closing.
  const modules = {};
  const agents = {};
  const agentFor = (protocol) => {
    if (!agents[protocol] && Object.hasOwn(load, protocol)) {
      modules[protocol] = load[protocol]();
      agents[protocol] = new modules[protocol].Agent({ keepAlive: true, timeout: 4000 });
    }
    return agents[protocol];
  };
  // The request options of each origin (a client talks to one or two), parsed once: `new URL` per
  // request was a tenth of the transport's own time.
  const origins = new Map();
  const originOf = (url) => {
    const end = url.indexOf('/', url.indexOf('//') + 2);
    const origin = end < 0 ? url : url.slice(0, end);
    let o = origins.get(origin);
    if (!o) {
      // As node:http reads a URL (its urlToHttpOptions): an IPv6 host without brackets, user info as `auth`.
      const u = new URL(origin);
      const hostname = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname;
      const auth = u.username || u.password
        ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined;
      o = { protocol: u.protocol, hostname, port: u.port || undefined, auth, origin };
      if (origins.size < 8) origins.set(origin, o);
    }
    return o;
  };
  // The core sends encoded URLs; anything else is encoded as `new URL` would.
  const pathOf = (url, o) => {
    const p = url.length > o.origin.length ? url.slice(o.origin.length) : '/';
    if (/^\/[\x21-\x7e]*$/.test(p)) return p;
    const u = new URL(url);
    return u.pathname + u.search;
  };
  return (req, { signal, timeoutMs }) => new Promise((resolve, reject) => {
    let o;
    try {
      o = originOf(req.url);
    } catch (e) {
      reject(e);
      return;
    }
    const agent = agentFor(o.protocol);
    if (!agent) {
      reject(Object.assign(new Error(`unsupported protocol ${o.protocol}`), { code: 'EPROTO' }));
      return;
    }
    const headers = req.body === undefined ? req.headers : { ...req.headers, 'Content-Length': Buffer.byteLength(req.body) };
    let done = false;
    let deadline;
    const finish = (fn, v) => {
      if (done) return;
      done = true;
      if (deadline !== undefined) stopDeadline(deadline);
      signal?.removeEventListener('abort', onAbort);
      fn(v);
    };
    const options = {
      protocol: o.protocol, hostname: o.hostname, port: o.port, auth: o.auth, path: pathOf(req.url, o),
      method: req.method, headers, agent,
    };
    const r = modules[o.protocol].request(options, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', (e) => finish(reject, e));
      res.on('aborted', () => finish(reject, Object.assign(new Error('the answer was cut off'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        finish(resolve, { status: res.statusCode ?? 0, headers: new RawHeaders(res.rawHeaders), body: Buffer.concat(chunks) });
      });
    });
    r.on('error', (e) => finish(reject, e));
    const onAbort = () => {
      r.destroy();
      finish(reject, signal.reason);
    };
    if (signal) {
      if (signal.aborted) {
        onAbort();
        return;
      }
      signal.addEventListener('abort', onAbort, { once: true });
    }
    deadline = startDeadline(Math.min(timeoutMs, 2_147_483_647), () => {
      const e = new Error('timeout');
      e.apoloCode = 'timeout';
      r.destroy();
      finish(reject, e);
    });
    r.end(req.body);
  });
}

module.exports = { nodeTransport };
