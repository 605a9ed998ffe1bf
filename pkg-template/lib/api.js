// The JavaScript layer of apolo-apps: the public classes around the wasm boundary (`Core`, `PageCursor`).
// Iterators, Error subclasses and the logs WebSocket live here because JavaScript does them natively;
// URLs, encoding, models and error mapping live in Rust (see docs/architecture.md).

const STATUS_CLASS = {
  401: 'AuthenticationError',
  403: 'AuthorizationError',
  404: 'ResourceNotFound',
  405: 'ClientError',
  502: 'BadGateway',
  503: 'ServerNotAvailable',
};

/** Builds the public API over one instantiated wasm module (`{ Core, PageCursor }`). */
export function createApi(wasm) {
  class ApoloError extends Error {
    constructor(message, options) {
      const o = options ?? {};
      super(String(message ?? ''), o.cause === undefined ? undefined : { cause: o.cause });
      this.status = o.status;
      this.payload = o.payload;
      this.method = o.method;
      this.url = o.url;
    }
  }
  class AuthenticationError extends ApoloError {}
  class AuthorizationError extends ApoloError {}
  class ResourceNotFound extends ApoloError {}
  class ClientError extends ApoloError {}
  class BadGateway extends ApoloError {}
  class ServerNotAvailable extends ApoloError {}
  class IllegalArgumentError extends ApoloError {}
  class ConnectionError extends ApoloError {}
  class TimeoutError extends ApoloError {}

  const errorClasses = {
    ApoloError, AuthenticationError, AuthorizationError, ResourceNotFound, ClientError,
    BadGateway, ServerNotAvailable, IllegalArgumentError, ConnectionError, TimeoutError,
  };
  // Explicit names: they must survive minifiers that rename classes.
  for (const [name, cls] of Object.entries(errorClasses)) {
    Object.defineProperty(cls.prototype, 'name', { value: name, writable: true, configurable: true });
  }

  const AppState = Object.freeze({
    QUEUED: 'queued',
    PROGRESSING: 'progressing',
    HEALTHY: 'healthy',
    DEGRADED: 'degraded',
    ERRORED: 'errored',
    UNINSTALLING: 'uninstalling',
    UNINSTALLED: 'uninstalled',
  });

  // The boundary rejects with `{ apoloError: kind, status?, message, payload?, method?, url? }`;
  // anything else (an abort reason, a TypeError from the runtime) passes through unchanged.
  function toError(e) {
    if (e !== null && typeof e === 'object' && typeof e.apoloError === 'string' && !(e instanceof Error)) {
      const cls = Object.hasOwn(errorClasses, e.apoloError) ? errorClasses[e.apoloError] : ApoloError;
      return new cls(e.message, { status: e.status, payload: e.payload, method: e.method, url: e.url });
    }
    return e;
  }

  function errorForStatus(status, message, fields) {
    const name = STATUS_CLASS[status] ?? (status >= 400 ? 'IllegalArgumentError' : 'ConnectionError');
    return new errorClasses[name](message, fields);
  }

  function illegal(message) {
    return new IllegalArgumentError(message);
  }

  function checkOptions(opts, what) {
    if (opts === undefined || opts === null) return {};
    if (typeof opts !== 'object' || Array.isArray(opts)) throw illegal(`${what}: options must be an object`);
    return opts;
  }

  function checkSignal(opts) {
    const s = opts.signal;
    if (s === undefined || s === null) return undefined;
    if (typeof s !== 'object' || typeof s.addEventListener !== 'function' || typeof s.aborted !== 'boolean') {
      throw illegal('signal must be an AbortSignal');
    }
    return s;
  }

  function checkId(value, what) {
    if (typeof value !== 'string' || value === '') throw illegal(`${what} must be a non-empty string`);
    return value;
  }

  // Settles like the boundary promise, but rejects with `signal.reason` as soon as the signal aborts,
  // even if the boundary is slower to notice.
  function settle(promise, signal) {
    if (!signal) return Promise.resolve(promise).catch((e) => { throw toError(e); });
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      Promise.resolve(promise).then(
        (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
        (e) => { signal.removeEventListener('abort', onAbort); reject(toError(e)); },
      );
    });
  }

  // Starts a boundary call: an already aborted signal sends nothing, and validation errors thrown
  // synchronously by the boundary become the matching Error subclass.
  function begin(signal, start) {
    if (signal?.aborted) throw signal.reason;
    try {
      return start();
    } catch (e) {
      throw toError(e);
    }
  }

  // One boundary call: validation before anything is sent, an already aborted signal sends nothing.
  async function call(signal, start) {
    return settle(begin(signal, start), signal);
  }

  // Items of a PageCursor, one page fetched per pull of an empty buffer.
  async function* pageItems(openCursor, signal) {
    const cursor = begin(signal, openCursor);
    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        const page = await settle(cursor.next(signal), signal);
        if (page === undefined || page === null) return;
        for (const item of page) {
          if (signal?.aborted) throw signal.reason;
          yield item;
        }
      }
    } finally {
      // Safe even while a request is still in flight: the boundary's pending work owns its own state.
      if (typeof cursor?.free === 'function') {
        try { cursor.free(); } catch { /* already freed */ }
      }
    }
  }

  // Items of a one-request list, fetched on the first pull.
  async function* listItems(signal, start) {
    const items = await call(signal, start);
    for (const item of items) {
      if (signal?.aborted) throw signal.reason;
      yield item;
    }
  }

  function isArrayBuffer(d) {
    return d instanceof ArrayBuffer || Object.prototype.toString.call(d) === '[object ArrayBuffer]';
  }

  async function* logChunks(core, WebSocketImpl, appId, opts, signal) {
    if (signal?.aborted) throw signal.reason;
    if (typeof WebSocketImpl !== 'function') {
      throw illegal('logs need a WebSocket implementation: pass the `WebSocket` option ' +
        '(on Node 20 the `ws` package: new ApoloClient({ ..., WebSocket }))');
    }
    const conn = await call(signal, () => core.logsConnection(appId, opts));
    if (signal?.aborted) throw signal.reason;
    const fields = { method: 'GET', url: conn.url };
    // `ws` (Node) joins subprotocols with "," and no space, which the platform's token lookup (it splits
    // the header on spaces) cannot read; `ws` takes the header the SDK sends instead. Browsers and
    // undici's WebSocket ignore this third argument and use the subprotocol.
    const bearer = conn.protocols.find((p) => p.startsWith('bearer.apolo.us-'));
    const init = bearer === undefined ? undefined : { headers: { Authorization: `Bearer ${bearer.slice(16)}` } };
    let ws;
    try {
      ws = new WebSocketImpl(conn.url, conn.protocols, init);
    } catch (e) {
      throw new ConnectionError(`cannot open the logs WebSocket: ${e?.message ?? e}`, { ...fields, cause: e });
    }
    ws.binaryType = 'arraybuffer';

    const queue = []; // chunks not yet pulled; `head` is the next one (no O(n) shift per chunk)
    let head = 0;
    let opened = false;
    let closed = null;
    let errored = false;
    let failure = null;
    let refusedStatus;
    let wake = null;
    const notify = () => {
      if (wake) { const w = wake; wake = null; w(); }
    };
    const closeSocket = () => {
      if (ws.readyState === 0 || ws.readyState === 1) {
        try { ws.close(1000); } catch { /* already closing */ }
      }
    };
    // The listeners stay attached for the socket's life: `ws` throws on an 'error' nobody listens to.
    ws.addEventListener('open', () => { opened = true; });
    ws.addEventListener('message', (ev) => {
      const d = ev.data;
      if (isArrayBuffer(d)) {
        if (d.byteLength > 0) queue.push(new Uint8Array(d));
      } else if (ArrayBuffer.isView(d)) {
        if (d.byteLength > 0) queue.push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
      } else if (d !== null && typeof d === 'object' && typeof d.arrayBuffer === 'function') {
        queue.push(d.arrayBuffer()); // a Blob from a runtime that ignored binaryType; keeps order
      } else {
        // The server sends binary frames only; a text frame means something else is talking.
        failure ??= new ApoloError('Incorrect WebSocket message: the logs server sent a text frame', fields);
        closeSocket();
      }
      notify();
    });
    ws.addEventListener('error', (ev) => {
      // `ws` reports a refused handshake as "Unexpected server response: 401"; browsers say nothing.
      const m = /Unexpected server response: (\d{3})/.exec(String(ev?.message ?? ev?.error?.message ?? ''));
      if (m) refusedStatus = Number(m[1]);
      errored = true; // undici (Node >= 22) fires no 'close' after a refused handshake
      notify();
    });
    ws.addEventListener('close', (ev) => {
      closed = { code: ev.code, reason: ev.reason };
      notify();
    });
    const onAbort = () => notify();
    signal?.addEventListener('abort', onAbort, { once: true });

    async function handshakeError() {
      // The runtime hides the HTTP status of a refused handshake: ask the Apps API about the app.
      try {
        await settle(core.get(appId, { signal }), signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (e instanceof ApoloError && !(e instanceof ConnectionError)) return e;
      }
      if (refusedStatus !== undefined) {
        return errorForStatus(refusedStatus, `the logs WebSocket handshake was refused (HTTP ${refusedStatus})`,
          { ...fields, status: refusedStatus });
      }
      return new ConnectionError('the logs WebSocket could not connect', fields);
    }

    try {
      for (;;) {
        if (signal?.aborted) throw signal.reason;
        if (head < queue.length) {
          let chunk = queue[head];
          queue[head++] = undefined;
          if (head === queue.length) {
            queue.length = 0;
            head = 0;
          } else if (head >= 1024) {
            queue.splice(0, head);
            head = 0;
          }
          if (typeof chunk.then === 'function') chunk = new Uint8Array(await chunk);
          if (chunk.byteLength > 0) yield chunk;
          continue;
        }
        if (failure) throw failure;
        if (closed || errored) {
          if (!opened) throw await handshakeError();
          if (closed?.code === 1000) return;
          if (!closed) throw new ConnectionError('the logs WebSocket failed', fields);
          const why = closed.reason ? `: ${closed.reason}` : '';
          throw new ConnectionError(`the logs WebSocket closed with code ${closed.code}${why}`, fields);
        }
        await new Promise((resolve) => { wake = resolve; });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      closeSocket();
    }
  }

  async function* textLines(chunks) {
    const decoder = new TextDecoder('utf-8'); // invalid bytes become U+FFFD, as apolo-cli prints them
    let buf = '';
    for await (const chunk of chunks) {
      buf += decoder.decode(chunk, { stream: true });
      let start = 0;
      let nl;
      while ((nl = buf.indexOf('\n', start)) >= 0) {
        const line = buf.slice(start, nl);
        start = nl + 1;
        yield line.endsWith('\r') ? line.slice(0, -1) : line;
      }
      buf = buf.slice(start);
    }
    buf += decoder.decode();
    if (buf !== '') yield buf;
  }

  class Apps {
    #core;
    #webSocket;
    constructor(core, webSocket) {
      this.#core = core;
      this.#webSocket = webSocket;
    }

    // Iterator methods are async generators: arguments are checked, and requests sent, only when pulled.
    async *list(opts) {
      const o = checkOptions(opts, 'list');
      const signal = checkSignal(o);
      if (o.states !== undefined && o.states !== null && !Array.isArray(o.states)) {
        throw illegal('states must be an array of AppState values');
      }
      yield* pageItems(() => this.#core.listPages(o), signal);
    }

    get(appId, opts) {
      return this.#run(opts, 'get', (o) => this.#core.get(checkId(appId, 'appId'), o));
    }

    getUpgrades(appIds, opts) {
      return this.#run(opts, 'getUpgrades', (o) => {
        if (appIds === null || typeof appIds !== 'object' || typeof appIds[Symbol.iterator] !== 'function') {
          throw illegal('appIds must be an array of strings');
        }
        const ids = Array.from(appIds, (id) => checkId(id, 'every app id'));
        return this.#core.getUpgrades(ids, o);
      });
    }

    install(appData, opts) {
      return this.#run(opts, 'install', (o) => this.#core.install(checkData(appData, 'appData'), o));
    }

    configure(appId, appData, opts) {
      return this.#run(opts, 'configure',
        (o) => this.#core.configure(checkId(appId, 'appId'), checkData(appData, 'appData'), o));
    }

    async uninstall(appId, opts) {
      await this.#run(opts, 'uninstall', (o) => this.#core.uninstall(checkId(appId, 'appId'), o));
      return undefined;
    }

    async *getValues(opts) {
      const o = checkOptions(opts, 'getValues');
      const signal = checkSignal(o);
      if (o.appId !== undefined && o.appId !== null) checkId(o.appId, 'appId');
      yield* listItems(signal, () => this.#core.getValues(o));
    }

    async *listTemplates(opts) {
      const o = checkOptions(opts, 'listTemplates');
      yield* listItems(checkSignal(o), () => this.#core.listTemplates(o));
    }

    async *listTemplateVersions(name, opts) {
      const o = checkOptions(opts, 'listTemplateVersions');
      const signal = checkSignal(o);
      checkId(name, 'name');
      yield* listItems(signal, () => this.#core.listTemplateVersions(name, o));
    }

    getTemplate(name, opts) {
      return this.#run(opts, 'getTemplate', (o) => this.#core.getTemplate(checkId(name, 'name'), o));
    }

    getOutput(appId, opts) {
      return this.#run(opts, 'getOutput', (o) => this.#core.getOutput(checkId(appId, 'appId'), o));
    }

    async *logs(appId, opts) {
      const o = checkOptions(opts, 'logs');
      const signal = checkSignal(o);
      checkId(appId, 'appId');
      let since = o.since;
      if (since instanceof Date) {
        if (Number.isNaN(since.getTime())) throw illegal('since is an invalid Date');
        since = since.toISOString();
      } else if (since !== undefined && since !== null && typeof since !== 'string') {
        throw illegal('since must be a Date or an ISO 8601 string');
      }
      const callOpts = { ...o, since: since ?? undefined };
      yield* logChunks(this.#core, this.#webSocket(), appId, callOpts, signal);
    }

    logLines(appId, opts) {
      return textLines(this.logs(appId, opts));
    }

    async *getEvents(appId, opts) {
      const o = checkOptions(opts, 'getEvents');
      const signal = checkSignal(o);
      checkId(appId, 'appId');
      yield* pageItems(() => this.#core.eventPages(appId, o), signal);
    }

    getRevisions(appId, opts) {
      return this.#run(opts, 'getRevisions', (o) => this.#core.getRevisions(checkId(appId, 'appId'), o));
    }

    rollback(appId, revisionNumber, opts) {
      return this.#run(opts, 'rollback', (o) => {
        checkId(appId, 'appId');
        if (!Number.isSafeInteger(revisionNumber) || revisionNumber < 1) {
          throw illegal('revisionNumber must be a positive integer');
        }
        return this.#core.rollback(appId, revisionNumber, o);
      });
    }

    getInput(appId, opts) {
      return this.#run(opts, 'getInput', (o) => {
        checkId(appId, 'appId');
        const r = o.revision;
        if (r !== undefined && r !== null && (!Number.isSafeInteger(r) || r < 1)) {
          throw illegal('revision must be a positive integer');
        }
        return this.#core.getInput(appId, o);
      });
    }

    // Promise-returning calls: argument errors reject (never throw synchronously), as fetch does.
    async #run(opts, what, start) {
      const o = checkOptions(opts, what);
      const signal = checkSignal(o);
      return call(signal, () => start(o));
    }
  }

  function checkData(data, what) {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) throw illegal(`${what} must be an object`);
    return data;
  }

  let adopting = null; // set by connect() so that the constructor takes over an already connected Core

  class ApoloClient {
    #core;
    #apps;
    #webSocket;
    constructor(options) {
      if (adopting) {
        this.#core = adopting;
        adopting = null;
      } else {
        if (options === null || typeof options !== 'object') throw illegal('ApoloClient options must be an object');
        try {
          this.#core = new wasm.Core(options);
        } catch (e) {
          throw toError(e);
        }
      }
      const W = options.WebSocket;
      if (W !== undefined && W !== null && typeof W !== 'function') throw illegal('the WebSocket option must be a constructor');
      this.#webSocket = W ?? undefined;
      // Looked up at call time, so a WebSocket global installed later still counts.
      this.#apps = new Apps(this.#core, () => this.#webSocket ?? globalThis.WebSocket);
    }

    static async connect(options) {
      if (options === null || typeof options !== 'object') throw illegal('ApoloClient options must be an object');
      const W = options.WebSocket;
      if (W !== undefined && W !== null && typeof W !== 'function') throw illegal('the WebSocket option must be a constructor');
      const signal = checkSignal(options);
      if (signal?.aborted) throw signal.reason;
      let core;
      try {
        core = await settle(wasm.Core.connect(options), signal);
      } catch (e) {
        throw toError(e);
      }
      adopting = core;
      try {
        return new ApoloClient(options);
      } finally {
        adopting = null;
      }
    }

    get apps() { return this.#apps; }
    get cluster() { return this.#core.cluster ?? undefined; }
    get org() { return this.#core.org ?? undefined; }
    get project() { return this.#core.project ?? undefined; }
  }

  return {
    ApoloClient,
    AppState,
    ...errorClasses,
  };
}
