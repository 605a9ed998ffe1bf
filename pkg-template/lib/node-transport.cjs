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
// Idle sockets are closed after IDLE_MS, before common server idle timeouts (5 s and up), so that
// a request rarely meets a socket the server is closing. Not by the agent's `timeout`: that keeps a
// timer on each socket, moved on every read and write and listened to per request (~4-12 µs of a
// `get` on localhost, measured). Instead each socket notes when it went idle, and one unref'd timer
// closes those idle for long enough.
const IDLE_MS = 4000;
const idleSince = Symbol('apolo-apps idle since');

function closeIdleSockets(agent) {
  let timer;
  const sweep = () => {
    timer = undefined;
    const t = performance.now();
    let next = Infinity;
    for (const sockets of Object.values(agent.freeSockets)) {
      for (const socket of sockets) {
        const idle = t - socket[idleSince];
        if (idle >= IDLE_MS - 1) socket.destroy(); // the agent drops it on 'close'
        else next = Math.min(next, IDLE_MS - idle);
      }
    }
    if (next !== Infinity) arm(next);
  };
  const arm = (ms) => {
    timer = setTimeout(sweep, ms);
    timer.unref();
  };
  // After the agent's own listener: the socket is in `freeSockets` (or was destroyed).
  agent.on('free', (socket) => {
    socket[idleSince] = performance.now();
    if (timer === undefined) arm(IDLE_MS);
  });
  return agent;
}

function nodeTransport(load, { startDeadline, stopDeadline }) {
  const modules = {};
  const agents = {};
  const agentFor = (protocol) => {
    if (!agents[protocol] && Object.hasOwn(load, protocol)) {
      modules[protocol] = load[protocol]();
      agents[protocol] = closeIdleSockets(new modules[protocol].Agent({ keepAlive: true }));
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
    // Only the options there are (each one more costs node:http time: ~5 µs of a `get` for an
    // undefined `auth` and the `protocol` its module has already, measured).
    const options = { hostname: o.hostname, port: o.port, path: pathOf(req.url, o), method: req.method, headers, agent };
    if (o.auth !== undefined) options.auth = o.auth;
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
    deadline = startDeadline(timeoutMs, () => {
      const e = new Error('timeout');
      e.apoloCode = 'timeout';
      r.destroy();
      finish(reject, e);
    });
    r.end(req.body);
  });
}

module.exports = { nodeTransport };
