// The JavaScript layer of apolo-apps: the public classes around the synchronous wasm boundary.
// JavaScript does what it must (I/O, timers, Promises, iterators, Error classes, WebSockets);
// every decision (arguments, requests, decoding, errors, retries, paging) is asked of the Rust
// core through `glue` (see docs/architecture.md).

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now());

// Request deadlines. In Node and Bun (whose timers can be unref'd) they share one timer, armed for
// the earliest: a request that ends only leaves the set. A timer set and cleared per request was ~8%
// of a `get`'s CPU in Node (measured: Node also drops and rebuilds its list of timers for that
// duration each time). The shared timer is unref'd, as AbortSignal.timeout's is: a deadline never
// keeps a process alive by itself (a pending request's socket does). Elsewhere (browsers, Deno,
// edge runtimes, where a timer may belong to the request that set it) each request has its own.
let sharedDeadlines; // unknown until the first deadline's timer shows what the runtime has
const pendingDeadlines = new Set();
let deadlineTimer;
let deadlineTimerAt = Infinity;
function armDeadlines(due) {
  if (deadlineTimer !== undefined) clearTimeout(deadlineTimer);
  deadlineTimerAt = due;
  deadlineTimer = setTimeout(fireDeadlines, Math.max(0, due - now()));
  deadlineTimer.unref();
}
function fireDeadlines() {
  deadlineTimer = undefined;
  deadlineTimerAt = Infinity;
  const t = now() + 1; // timers may run a fraction of a millisecond early
  let next = Infinity;
  for (const d of pendingDeadlines) {
    if (d.due <= t) {
      pendingDeadlines.delete(d);
      queueMicrotask(d.fire); // each on its own: one that throws stops no other
    } else if (d.due < next) {
      next = d.due;
    }
  }
  if (next !== Infinity) armDeadlines(next);
}
/** Calls `fire` in `ms` (at most a timer's ~24.8 days) unless `stopDeadline` of the handle it
 * returns comes first. */
export function startDeadline(ms, fire) {
  ms = Math.min(ms, 2_147_483_647);
  if (sharedDeadlines !== true) {
    const timer = setTimeout(fire, ms);
    sharedDeadlines ??= typeof timer?.unref === 'function';
    return { timer };
  }
  const d = { due: now() + ms, fire };
  pendingDeadlines.add(d);
  if (d.due < deadlineTimerAt) armDeadlines(d.due);
  return d;
}
export function stopDeadline(d) {
  if (d.timer !== undefined) clearTimeout(d.timer);
  else pendingDeadlines.delete(d);
}

/**
 * Builds the public API over one wasm-bindgen glue module.
 * `glue`: the glue's exports, with `__apoloReinstantiate()` (added by the build) to replace a
 * trapped instance. `platform.transport`: the default HTTP transport (Node's keep-alive
 * `node:http`); without one, `fetch` is used. `platform.env`: environment variables, if any.
 */
export function createApi(glue, platform = {}) {
  const w = glue;
  let generation = 0; // bumped each time a trapped instance is replaced

  class ApoloError extends Error {
    constructor(message, options) {
      const o = options ?? {};
      super(String(message ?? ''), o.cause === undefined ? undefined : { cause: o.cause });
      this.status = o.status;
      this.payload = o.payload;
      this.method = o.method;
      this.url = o.url;
      this.headers = o.headers;
      this.requestId = o.requestId;
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

  // The boundary throws `{ apoloError: kind, status?, message, payload?, method?, url? }`.
  function toError(e, extra) {
    if (e !== null && typeof e === 'object' && typeof e.apoloError === 'string' && !(e instanceof Error)) {
      const cls = Object.hasOwn(errorClasses, e.apoloError) ? errorClasses[e.apoloError] : ApoloError;
      const headers = typeof extra?.headers?.toHeaders === 'function' ? extra.headers.toHeaders() : extra?.headers;
      return new cls(e.message, { status: e.status, payload: e.payload, method: e.method, url: e.url, ...extra, headers });
    }
    return e;
  }

  // A trap (a Rust panic, out of memory) or a stack overflow inside wasm leaves the instance in an
  // unknown state: it is replaced, and the call that met it fails with a clear error.
  function isTrap(e) {
    return (typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError) || e instanceof RangeError;
  }

  function recover(e) {
    let why;
    try { why = w.lastPanic()?.replace(/\s+/g, ' '); } catch { /* the old instance may not answer */ }
    try {
      w.__apoloReinstantiate();
    } catch (again) {
      return new ApoloError(`apolo-apps: internal error (${why ?? e?.message}); the module could not be reloaded`, { cause: again });
    }
    generation += 1;
    return new ApoloError(`apolo-apps: internal error (${why ?? e?.message ?? 'WebAssembly trap'}); ` +
      'the module was reloaded, later calls work', { cause: e });
  }

  /** Runs one boundary call; its errors become Error subclasses. */
  function sync(fn, extra) {
    try {
      return fn();
    } catch (e) {
      if (isTrap(e)) throw recover(e);
      throw toError(e, extra);
    }
  }

  // The core's tables (see `tables` in src/wasm): the app states, the calls by name (opStart takes
  // the index), each model's date keys.
  const [appStates, calls, shapeDates] = sync(() => w.tables());
  const CALLS = new Map(calls.map((name, i) => [name, i]));

  const AppState = Object.freeze(Object.fromEntries(appStates.map((s) => [s.toUpperCase(), s])));

  // A step crosses the boundary as one JSON text, or the two most common as a short step (readStep
  // below). Its `answer`, when there is one, says how the value comes from the answer's body (the
  // core has checked it; JSON.parse builds the objects fastest): take member `at`, apply the `fix`
  // edits ([path, key, value] sets, [path, key] deletes), make Dates of the `dates` keys from
  // `times` (epoch ms per object, in order, read in the core's memory), and put it in `to`. See
  // Output::Body in src/core/ops.rs.
  // Bodies travel as bytes: copied into the core as they are, decoded once for JSON.parse (a BOM
  // and invalid bytes as the core reads them: dropped, and U+FFFD).
  const utf8Decoder = new TextDecoder();
  const utf8Encoder = new TextEncoder();

  // The instance's memory, where a step's text and an answer's timestamps are read in place: the
  // views are made again for a new instance, and when the memory grew (its old buffer is then detached).
  let memory;
  let memoryGeneration = -1;
  let f64 = new Float64Array(0);
  let u8 = new Uint8Array(0);
  let shortAt = 0; // where a short step's three fields are, in f64s
  function wasmBuffer() {
    if (memoryGeneration !== generation) {
      memory = w.wasmMemory();
      shortAt = w.stepHead() / 8;
      memoryGeneration = generation;
    }
    return memory.buffer;
  }
  function wasmF64() {
    const buffer = wasmBuffer();
    if (f64.buffer !== buffer) f64 = new Float64Array(buffer);
    return f64;
  }

  // A step's JSON text, where the core wrote it: byte offset + length × 2³² (see `out` in src/wasm).
  function stepText(at) {
    const buffer = wasmBuffer();
    if (u8.buffer !== buffer) u8 = new Uint8Array(buffer);
    const offset = at % 4294967296;
    return utf8Decoder.decode(u8.subarray(offset, offset + Math.floor(at / 4294967296)));
  }

  // The answer of a short VALUE step, for each model: the body is the value, Dates of these keys.
  const valueAnswers = shapeDates.map((dates) => ({ to: 'value', dates: dates.length ? dates : undefined }));

  // A step from the core: JSON text (r >= 0: where it is), or a short step whose fields are
  // numbers (see `short_step` in src/wasm): a request without a body, or the body as the value.
  function readStep(r) {
    if (r >= 0) return JSON.parse(stepText(r));
    const f = wasmF64();
    const h = shortAt;
    if (r === -1) {
      const text = stepText(f[h + 2]);
      const space = text.indexOf(' ');
      const step = { method: text.slice(0, space), url: text.slice(space + 1) };
      if (f[h] >= 0) {
        step.op = f[h];
        step.timeoutMs = f[h + 1];
      }
      return step;
    }
    return { done: true, answer: valueAnswers[f[h]], times: [f[h + 1], f[h + 2]] };
  }

  function revive(at, body) {
    const step = readStep(at);
    const a = step.answer;
    if (a) {
      let v = JSON.parse(utf8Decoder.decode(body));
      if (a.at) v = v[a.at];
      if (a.fix) {
        for (const [path, key, ...set] of a.fix) {
          let o = v;
          for (const p of path) o = o[p];
          if (set.length) o[key] = set[0];
          else delete o[key];
        }
      }
      const keys = a.dates;
      if (keys) {
        const n = keys.length;
        const objects = a.list ? v : [v];
        // Read in the core's memory before the next boundary call; NaN for null.
        const [offset, count] = step.times ?? [0, 0];
        const times = wasmF64();
        const first = offset / 8;
        for (let i = 0; i < objects.length && (i + 1) * n <= count; i++) {
          for (let k = 0; k < n; k++) {
            const t = times[first + i * n + k];
            if (Number.isFinite(t)) objects[i][keys[k]] = new Date(t);
          }
        }
      }
      step[a.to] = v;
    }
    return step;
  }

  function aborted(signal) {
    if (signal?.aborted) throw signal.reason;
  }

  // Settles like `promise`, but rejects with `signal.reason` as soon as the signal aborts.
  function settle(promise, signal) {
    if (!signal) return promise;
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      if (signal.aborted) return onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      promise.then(
        (v) => { signal.removeEventListener('abort', onAbort); resolve(v); },
        (e) => { signal.removeEventListener('abort', onAbort); reject(e); },
      );
    });
  }

  // Waits `ms`; an abort rejects at once with `signal.reason`. The listener goes when the wait ends,
  // so a long-lived signal (watch, many retries) does not collect one per wait.
  function sleep(ms, signal) {
    return new Promise((resolve, reject) => {
      const onAbort = () => { clearTimeout(timer); reject(signal.reason); };
      const timer = setTimeout(() => { signal?.removeEventListener('abort', onAbort); resolve(); }, ms);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  function callHook(fn, arg) {
    if (typeof fn !== 'function') return;
    try {
      const r = fn(arg);
      if (r && typeof r.then === 'function') r.then(undefined, () => {});
    } catch { /* a hook never breaks a call */ }
  }

  // The runtime's error code for a failed request (`ECONNREFUSED`, …), where it gives one.
  function errorCode(e) {
    return e?.apoloCode ?? e?.code ?? e?.cause?.code ?? e?.cause?.cause?.code;
  }

  function errorText(e) {
    const m = e?.message ?? String(e);
    const c = e?.cause?.message;
    return c && c !== m ? `${m}: ${c}` : m;
  }

  function timeoutError() {
    const e = new Error('timeout');
    e.apoloCode = 'timeout';
    return e;
  }

  /** The `fetch` transport (browsers, Deno, Bun, workers, or the caller's `fetch`). */
  function fetchTransport(fetchFn) {
    // Each request's deadline needs a signal, and Node 20 makes every AbortSignal transferable as
    // it is created (~5 µs alone, ~15 µs within a call: a tenth of a `get`, measured). So a
    // controller whose request ended without an abort serves later ones. A `fetch` may leave a
    // listener on the signal per request (undici removes them only at GC), and Node warns of a
    // leak at the 11th: each controller serves at most 10 requests; at most 16 wait in the pool.
    const idle = [];
    const CONTROLLER_USES = 10;
    const IDLE_CONTROLLERS = 16;
    return async (req, { signal, timeoutMs }) => {
      const f = fetchFn ?? globalThis.fetch;
      if (typeof f !== 'function') throw Object.assign(new Error('no global fetch; pass the `fetch` option'), { apoloCode: 'nofetch' });
      const held = idle.pop() ?? { ctl: new AbortController(), uses: 0 };
      const { ctl } = held;
      held.uses += 1;
      let done = false;
      let timedOut = false;
      const deadline = startDeadline(timeoutMs, () => { timedOut = true; ctl.abort(); });
      const onAbort = () => ctl.abort(signal.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        const res = await f(req.url, { method: req.method, headers: req.headers, body: req.body, signal: ctl.signal });
        if (res === null || typeof res !== 'object' || typeof res.status !== 'number') {
          throw new TypeError('fetch did not return a Response');
        }
        const body = typeof res.arrayBuffer === 'function' ? new Uint8Array(await res.arrayBuffer())
          : utf8Encoder.encode(typeof res.text === 'function' ? await res.text() : '');
        const headers = res.headers instanceof Headers ? res.headers : new Headers(res.headers ?? undefined);
        done = true;
        return { status: res.status, headers, body };
      } catch (e) {
        if (timedOut && !signal?.aborted) throw timeoutError();
        throw e;
      } finally {
        stopDeadline(deadline);
        signal?.removeEventListener('abort', onAbort);
        // Only after the whole body was read: the request is over, a later abort touches nothing.
        if (done && !ctl.signal.aborted && held.uses < CONTROLLER_USES && idle.length < IDLE_CONTROLLERS) idle.push(held);
      }
    };
  }

  function isWsPackage(W) {
    // The `ws` package: an EventEmitter with pause() and a third `options` argument.
    return typeof W?.prototype?.pause === 'function' && typeof W?.prototype?.on === 'function';
  }

  // A UTF-8 byte stream to text, as TextDecoder with `{ stream: true }` decodes it (U+FFFD for each
  // invalid sequence, a BOM dropped at the start only), but faster: runtimes decode a whole buffer
  // several times quicker than a streaming decoder (Node 20/22: ~5x), so each chunk is decoded whole up
  // to an unfinished sequence at its end, whose bytes (at most 3) go before the next chunk. (The
  // decoder's state is clean at such a cut, so the text is the same.) `decode(null)` ends the stream.
  function streamDecoder() {
    const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
    let held = null;
    let first = true;
    return (chunk) => {
      let bytes = chunk ?? new Uint8Array(0);
      if (held !== null) {
        const joined = new Uint8Array(held.length + bytes.length);
        joined.set(held);
        joined.set(bytes, held.length);
        bytes = joined;
        held = null;
      }
      if (chunk !== null) {
        // The last sequence's lead byte is among the last 4 bytes; before it, continuation bytes.
        const n = bytes.length;
        for (let i = n - 1; i >= 0 && i >= n - 4; i -= 1) {
          const b = bytes[i];
          if (b < 0x80) break;
          if (b >= 0xc0) {
            if (n - i < (b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : 2)) {
              held = bytes.slice(i);
              bytes = bytes.subarray(0, i);
            }
            break;
          }
        }
      }
      let text = bytes.length > 0 ? decoder.decode(bytes) : '';
      if (first && text !== '') {
        first = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      return text;
    };
  }

  const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);

  // The iterator of paged calls and logLines over the batches (pages, arrays of lines) a generator
  // yields: an item costs one resolved promise, not a step of a generator (measured in `for await`:
  // about a quarter of the time per item of a delegating generator). It behaves as a generator:
  // next() calls are answered in order; return() (a `break`) ends the batches' generator, which frees
  // its op or closes its socket; once `signal` aborts, the next pull rejects with its reason and ends
  // the batches the same way.
  class BatchIterator {
    #batches;
    #signal;
    #batch = [];
    #i = 0;
    #busy = null; // the pull of the next batch, while one is under way

    constructor(batches, signal) {
      this.#batches = batches;
      this.#signal = signal;
    }

    next() {
      if (this.#busy) return this.#busy.then(() => this.next(), () => this.next());
      if (this.#i < this.#batch.length) {
        // (A pull checks the signal in the batches' generator, which the core checked at its start.)
        if (this.#signal?.aborted) return this.#end('throw', this.#signal.reason);
        return Promise.resolve({ value: this.#batch[this.#i++], done: false });
      }
      const pull = this.#pull();
      this.#busy = pull;
      return pull;
    }

    async #pull() {
      try {
        for (;;) {
          const r = await this.#batches.next();
          this.#batch = r.done ? [] : r.value;
          this.#i = 0;
          if (r.done) return { value: undefined, done: true };
          if (this.#batch.length > 0) return { value: this.#batch[this.#i++], done: false };
        }
      } finally {
        this.#busy = null;
      }
    }

    #end(how, v) {
      const go = () => {
        this.#batch = [];
        this.#i = 0;
        return this.#batches[how](v);
      };
      return this.#busy ? this.#busy.then(go, go) : go();
    }

    return(value) { return this.#end('return', value); }
    throw(e) { return this.#end('throw', e); }
  }
  Object.setPrototypeOf(BatchIterator.prototype, AsyncIteratorPrototype);

  // A session's client in the core is freed when the session is garbage. The holder names the
  // handle and the instance it belongs to: a handle of a replaced instance is not freed (it is gone).
  const clientsToFree = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((held) => {
      if (held.gen === generation) {
        try { w.clientDrop(held.handle); } catch { /* the instance is gone */ }
      }
    })
    : undefined;

  // A paged call whose iterator is dropped between pages without return() (next() by hand, then
  // nothing) would keep its op in the core for good: it is freed when the iterator is garbage.
  const opsToFree = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((held) => {
      if (held.op !== undefined && held.gen === generation) {
        try { w.opDrop(held.op); } catch { /* the instance is gone */ }
      }
    })
    : undefined;

  // The same for a logs iterator dropped without return(): its socket would stay open (paused, or
  // filling the bounded queue) until the server closed it; it is closed when the iterator is garbage.
  const socketsToClose = typeof FinalizationRegistry === 'function'
    ? new FinalizationRegistry((held) => {
      try { held.close?.(); } catch { /* closed already */ }
    })
    : undefined;

  /** One client's connection to the API: tokens, hooks, the transport, the request loop. */
  class Session {
    constructor(options) {
      this.options = options;
      this.info = undefined; // what connect() learnt, kept to rebuild the client after a trap
      this.held = { gen: -1, handle: 0 }; // the client in the core, as the finalizer sees it
      this.id(); // checks the options
      clientsToFree?.register(this, this.held);
      const o = options;
      this.tokenOption = o.token;
      this.hooks = { onRequest: o.onRequest, onResponse: o.onResponse, onRetry: o.onRetry };
      const level = o.logLevel ?? (platform.env?.APOLO_APPS_LOG === 'debug' ? 'debug' : 'silent');
      this.debug = level === 'debug';
      this.transport = typeof o.fetch === 'function' || !platform.transport ? fetchTransport(o.fetch) : platform.transport;
      this.WebSocket = o.WebSocket ?? undefined;
      this.token = undefined;
      this.auth = undefined;
      this.authGen = -1;
    }

    /** The client's handle in the current instance (made again after a trap). */
    id() {
      const held = this.held;
      if (held.gen !== generation) {
        const opts = this.info ? { ...this.options, ...this.info } : this.options;
        held.handle = sync(() => w.clientNew(opts));
        held.gen = generation;
      }
      return held.handle;
    }

    /** Asks the token provider again (after the server refused the token): did the token change? */
    async tokenChanged(signal) {
      const before = this.token;
      await this.authFor(signal);
      return this.token !== before;
    }

    /** The token for the next request, from the string or the provider, checked by the core
     * (a Promise only for a provider: a fixed token costs no wait per request). */
    authFor(signal) {
      const t = this.tokenOption;
      return typeof t === 'function' ? this.provided(t, signal) : this.useToken(t);
    }

    async provided(provider, signal) {
      let token;
      try {
        token = await settle(Promise.resolve().then(() => provider()), signal);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        throw new AuthenticationError('the token provider failed', { cause: e });
      }
      return this.useToken(token);
    }

    useToken(token) {
      const t = this.tokenOption;
      if (token !== this.token || this.authGen !== generation) {
        const id = this.id();
        this.auth = sync(() => w.useToken(id, token, typeof t === 'function'));
        this.token = token;
        this.authGen = generation;
      }
      return this.auth;
    }

    report(kind, fields) {
      callHook(this.hooks[kind], fields);
    }

    debugLine(method, url, status, ms, attempt, reason) {
      if (!this.debug) return;
      const tail = status === 0 && reason ? ` error=${reason}` : '';
      console.error(`apolo-apps: ${method} ${url} ${status} ${Math.round(ms)}ms attempt=${attempt}${tail}`);
    }

    start(name, a, b, opts) {
      const id = this.id();
      const step = revive(sync(() => w.opStart(id, CALLS.get(name) ?? -1, a, b, opts)));
      step.gen = generation;
      return step;
    }

    /** Boundary calls about a call in progress, which a replaced instance no longer knows. */
    opCall(call, fn, extra) {
      if (call.gen !== generation) throw new ApoloError('apolo-apps: the call was interrupted by an internal error');
      return sync(fn, extra);
    }

    drop(call) {
      if (call.op !== undefined && call.gen === generation) {
        try { w.opDrop(call.op); } catch { /* the instance is gone */ }
      }
    }

    /** Sends `step`'s request (retrying as the core says) and returns the core's next step. */
    async send(call, step, signal) {
      let attempt = 1;
      let refreshed = false;
      let auth;
      for (;;) {
        aborted(signal);
        if (!auth) {
          auth = this.authFor(signal);
          if (auth instanceof Promise) auth = await auth;
        }
        const { method, url } = step;
        const headers = { Authorization: auth.authorization };
        if (step.contentType) headers['Content-Type'] = step.contentType;
        if (this.hooks.onRequest) this.report('onRequest', { method, url, attempt });
        const t0 = now();
        let res;
        let failure;
        try {
          res = await settle(this.transport({ method, url, headers, body: step.body }, { signal, timeoutMs: call.timeoutMs }), signal);
        } catch (e) {
          if (signal?.aborted) throw signal.reason;
          failure = e;
        }
        const durationMs = now() - t0;
        const status = res ? res.status : 0;
        const requestId = res?.headers.get('x-request-id') ?? undefined;
        const code = failure ? errorCode(failure) : undefined;
        if (this.hooks.onResponse) this.report('onResponse', { method, url, status, durationMs, attempt, requestId });
        // One call into the core decides: wait and send again, ask for a new token, the next
        // step, or the call's error.
        const extra = res && { headers: res.headers, requestId };
        const message = failure && sync(() => w.redacted(this.id(), errorText(failure)));
        const decide = (canRefresh) => (res
          ? revive(this.opCall(call, () => w.opAnswer(call.op, attempt, status, res.headers, res.body, canRefresh,
            Date.now(), Math.random()), extra), res.body)
          : revive(this.opCall(call, () => w.opFailed(call.op, attempt, code, message, canRefresh,
            Date.now(), Math.random()))));
        let next;
        let reason = failure && 'connection error';
        try {
          next = decide(typeof this.tokenOption === 'function' && !refreshed);
          reason = next.reason ?? reason;
        } finally {
          this.debugLine(method, url, status, durationMs, attempt, reason);
        }
        if (next.refreshToken) {
          // A 401, or a 200 that refuses the token (/config's `authorized: false`).
          refreshed = true;
          if (await this.tokenChanged(signal)) {
            auth = this.auth;
            continue; // the same attempt, with the new token
          }
          next = decide(false);
        }
        if (next.delayMs !== undefined) {
          this.report('onRetry', { method, url, attempt, delayMs: next.delayMs, reason: next.reason });
          await sleep(next.delayMs, signal);
          attempt += 1;
          auth = undefined;
          continue;
        }
        return next;
      }
    }

    /** Runs a call to its end: a promise of its value, rejected for bad arguments too, which the
     * public methods return as it is (an `async` method around it cost every call two more turns
     * of the microtask queue: ~2% of a `get`'s latency on localhost, measured). */
    run(name, a, b, opts) {
      let step;
      try {
        step = this.start(name, a, b, opts);
      } catch (e) {
        return Promise.reject(e);
      }
      return this.runFrom(step, opts?.signal ?? undefined);
    }

    /** The items of a paged call, one page requested per pull of an empty buffer. */
    pages(name, a, opts) {
      const held = { op: undefined, gen: -1 }; // the op in progress, as the finalizer sees it
      const pages = this.pageBatches(name, a, opts, held);
      opsToFree?.register(pages, held);
      return new BatchIterator(pages, opts?.signal ?? undefined);
    }

    /** A call's value (a list) as an iterator, the call made on the first pull. */
    listed(name, a, opts) {
      const session = this;
      return new BatchIterator((async function* listed() { yield await session.run(name, a, undefined, opts); })(),
        opts?.signal ?? undefined);
    }

    async *pageBatches(name, a, opts, held) {
      const signal = opts?.signal ?? undefined;
      let step = this.start(name, a, undefined, opts);
      const call = step;
      held.op = call.op;
      held.gen = call.gen;
      try {
        for (;;) {
          if (step.items) yield step.items;
          if (step.done) return;
          aborted(signal);
          step = await this.send(call, step, signal);
        }
      } finally {
        if (!step.done) this.drop(call);
        held.op = undefined;
      }
    }

    /** An Error of class `kind` made by the core (so the token is redacted there too). */
    error(kind, message, fields) {
      return toError(sync(() => w.errorOf(this.id(), kind, message, fields?.method, fields?.url)));
    }

    /**
     * The logs WebSocket's chunks (see README "Logs"), or with `lines` arrays of its decoded lines.
     */
    logChunks(appId, opts, lines = false) {
      const held = { close: undefined }; // closes the open socket, as the finalizer sees it
      const it = this.logItems(appId, opts, lines, held);
      socketsToClose?.register(it, held);
      return it;
    }

    async *logItems(appId, opts, lines, held) {
      const signal = opts?.signal ?? undefined;
      const first = this.start('logs', appId, undefined, opts);
      const WebSocketImpl = this.WebSocket ?? globalThis.WebSocket;
      if (typeof WebSocketImpl !== 'function') {
        this.drop(first);
        throw new IllegalArgumentError('logs need a WebSocket implementation: pass the `WebSocket` option ' +
          '(on Node 20 the `ws` package: new ApoloClient({ ..., WebSocket }))');
      }
      const url = first.done ? first.value : await this.runFrom(first, signal);
      const limit = first.maxLogBufferBytes;
      let refreshed = false;
      for (let attempt = 1; ; attempt += 1) {
        const auth = await this.authFor(signal);
        const s = this.openLogs(WebSocketImpl, url, auth, first.timeoutMs, limit, signal, attempt);
        held.close = () => s.close();
        try {
          const opened = await s.opened;
          if (!opened.ok) {
            // A refused handshake: a provider may have a newer token (browsers hide the 401).
            if (typeof this.tokenOption === 'function' && !refreshed) {
              refreshed = true;
              if (await this.tokenChanged(signal)) continue;
            }
            throw await this.handshakeError(appId, opened.status, url, signal);
          }
          if (!lines) {
            for (let chunk; (chunk = await s.read()) !== null;) yield chunk;
            return;
          }
          // With `lines`, each chunk is decoded and split at once and its lines go out as one batch (an
          // array; BatchIterator hands them out). A line with no newline yet grows by concatenation, not
          // re-read per chunk, and is bounded like the queue.
          const decode = streamDecoder(); // invalid bytes become U+FFFD, as apolo-cli prints them
          let rest = '';
          for (let chunk; (chunk = await s.read()) !== null;) {
            const parts = decode(chunk).split('\n');
            if (parts.length > 1) {
              parts[0] = rest + parts[0];
              rest = parts.pop();
              for (let i = 0; i < parts.length; i += 1) {
                const line = parts[i];
                if (line.charCodeAt(line.length - 1) === 13) parts[i] = line.slice(0, -1);
              }
              yield parts;
            } else {
              rest += parts[0];
            }
            if (rest.length > limit) {
              throw this.error('ConnectionError',
                `a log line longer than the log buffer limit (${limit} bytes) arrived without a newline`);
            }
          }
          rest += decode(null);
          if (rest !== '') yield [rest];
          return;
        } finally {
          held.close = undefined;
          s.close();
        }
      }
    }

    /** Runs a started call to its end (`send` checks the signal before each request). */
    async runFrom(step, signal) {
      const call = step;
      // A call answered in several requests (getUpgrades' batches) gives each one's items.
      let items = step.items;
      try {
        while (!step.done) {
          step = await this.send(call, step, signal);
          if (step.items) items = items ? items.concat(step.items) : step.items;
        }
        return items ?? step.value;
      } finally {
        if (!step.done) this.drop(call);
      }
    }

    async handshakeError(appId, status, url, signal) {
      if (status) return toError(sync(() => w.handshakeError(this.id(), status, url)));
      // The runtime hides the status: ask the Apps API about the app instead.
      try {
        await this.run('get', appId, undefined, { signal });
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        if (e instanceof ApoloError && !(e instanceof ConnectionError) && !(e instanceof TimeoutError)) return e;
      }
      return toError(sync(() => w.handshakeError(this.id(), 0, url)));
    }

    openLogs(WebSocketImpl, url, auth, timeoutMs, limit, signal, attempt) {
      const fields = { method: 'GET', url };
      const wsPackage = isWsPackage(WebSocketImpl);
      // `ws` joins subprotocols with "," and no space, which the platform's token lookup (it splits
      // on spaces) cannot read; `ws` also sends the header the SDK sends. Others ignore the 3rd argument.
      const init = wsPackage ? { headers: { Authorization: auth.authorization } } : undefined;
      this.report('onRequest', { method: 'GET', url, attempt });
      const t0 = now();
      let ws;
      let openErr;
      try {
        ws = new WebSocketImpl(url, auth.protocols, init);
        ws.binaryType = 'arraybuffer';
      } catch (e) {
        openErr = e;
      }
      const queue = []; // chunks not yet pulled; `head` is the next one (no O(n) shift per chunk)
      let head = 0;
      let queued = 0;
      let paused = false;
      let state = 'connecting';
      let closed = null;
      let failure = null;
      let refusedStatus = 0;
      let wake = null;
      let settleOpen;
      const opened = new Promise((resolve) => { settleOpen = resolve; });
      const notify = () => {
        if (wake) { const f = wake; wake = null; f(); }
      };
      const finishOpen = (ok, status) => {
        if (state !== 'connecting') return;
        state = ok ? 'open' : 'refused';
        clearTimeout(timer);
        this.report('onResponse', { method: 'GET', url, status, durationMs: now() - t0, attempt, requestId: undefined });
        this.debugLine('GET', url, status, now() - t0, attempt, ok ? undefined : 'handshake');
        settleOpen({ ok, status });
      };
      let discarding = false;
      const closeSocket = () => {
        discarding = true;
        // A paused `ws` would never read the server's close frame: let it read (and drop) again.
        if (paused) {
          paused = false;
          try { ws.resume(); } catch { /* closed already */ }
        }
        if (ws && (ws.readyState === 0 || ws.readyState === 1)) {
          try { ws.close(1000); } catch { /* already closing */ }
        }
      };
      const timer = setTimeout(() => {
        if (state !== 'connecting') return;
        state = 'timeout';
        closeSocket();
        this.report('onResponse', { method: 'GET', url, status: 0, durationMs: now() - t0, attempt, requestId: undefined });
        settleOpen({ timeout: true });
      }, Math.min(timeoutMs, 2_147_483_647));
      const onAbort = () => { finishOpen(false, 0); notify(); };
      signal?.addEventListener('abort', onAbort, { once: true });
      const push = (chunk, size) => {
        queue.push(chunk);
        queued += size;
        if (queued > limit) {
          if (wsPackage) {
            if (!paused) { paused = true; ws.pause(); }
          } else if (!failure) {
            // This runtime's WebSocket cannot pause: fail rather than grow without bound.
            failure = this.error('ConnectionError', `the log buffer limit was exceeded: more than ${limit} bytes ` +
              'arrived that the consumer had not read (raise maxLogBufferBytes, or read faster)', fields);
            closeSocket();
          }
        }
      };
      if (ws) {
        // The listeners stay attached for the socket's life: `ws` throws on an 'error' nobody listens to.
        ws.addEventListener('open', () => finishOpen(true, 101));
        ws.addEventListener('message', (ev) => {
          if (discarding) return;
          const d = ev.data;
          if (d instanceof ArrayBuffer || Object.prototype.toString.call(d) === '[object ArrayBuffer]') {
            if (d.byteLength > 0) push(new Uint8Array(d), d.byteLength);
          } else if (ArrayBuffer.isView(d)) {
            if (d.byteLength > 0) push(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), d.byteLength);
          } else if (d !== null && typeof d === 'object' && typeof d.arrayBuffer === 'function') {
            push(d.arrayBuffer(), d.size ?? 0); // a Blob from a runtime that ignored binaryType; keeps order
          } else {
            failure ??= new ApoloError('Incorrect WebSocket message: the logs server sent a text frame', fields);
            closeSocket();
          }
          notify();
        });
        ws.addEventListener('error', (ev) => {
          // `ws` reports a refused handshake as "Unexpected server response: 401"; browsers say nothing.
          const m = /Unexpected server response: (\d{3})/.exec(String(ev?.message ?? ev?.error?.message ?? ''));
          if (m) refusedStatus = Number(m[1]);
          finishOpen(false, refusedStatus);
          if (!closed) closed = { code: 1006, reason: '', error: true };
          notify();
        });
        ws.addEventListener('close', (ev) => {
          const wasOpen = state === 'open';
          finishOpen(false, refusedStatus);
          closed = { code: ev.code, reason: ev.reason };
          if (wasOpen) {
            this.report('onResponse', { method: 'GET', url, status: 101, durationMs: now() - t0, attempt, requestId: undefined, closeCode: ev.code });
          }
          notify();
        });
      } else {
        queueMicrotask(() => finishOpen(false, 0));
      }

      const session = this;
      return {
        opened: opened.then(async (r) => {
          if (signal?.aborted) throw signal.reason;
          if (r.timeout) {
            throw session.error('TimeoutError', `the logs WebSocket handshake got no answer within ${timeoutMs} ms`, fields);
          }
          if (openErr) {
            const text = sync(() => w.redacted(session.id(), errorText(openErr)));
            throw session.error('ConnectionError', `cannot open the logs WebSocket: ${text}`, fields);
          }
          return r;
        }),
        close() {
          clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          closeSocket();
        },
        /** The next chunk with bytes in it; null once the socket closed with 1000. */
        async read() {
          for (;;) {
            aborted(signal);
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
              queued -= chunk.byteLength;
              if (paused && queued <= limit / 2) { paused = false; ws.resume(); }
              if (chunk.byteLength > 0) return chunk;
              continue;
            }
            if (failure) throw failure;
            if (closed) {
              if (closed.code === 1000) return null;
              if (closed.error) throw session.error('ConnectionError', 'the logs WebSocket failed', fields);
              const why = closed.reason ? `: ${sync(() => w.redacted(session.id(), closed.reason))}` : '';
              throw session.error('ConnectionError', `the logs WebSocket closed with code ${closed.code}${why}`, fields);
            }
            await new Promise((resolve) => { wake = resolve; });
          }
        },
      };
    }
  }

  class Apps {
    #s;
    constructor(session) {
      this.#s = session;
    }

    list(opts) { return this.#s.pages('list', undefined, opts); }
    get(appId, opts) { return this.#s.run('get', appId, undefined, opts); }
    getUpgrades(appIds, opts) { return this.#s.run('getUpgrades', appIds, undefined, opts); }
    install(appData, opts) { return this.#s.run('install', appData, undefined, opts); }
    configure(appId, appData, opts) { return this.#s.run('configure', appId, appData, opts); }
    async uninstall(appId, opts) { await this.#s.run('uninstall', appId, undefined, opts); }
    getValues(opts) { return this.#s.listed('getValues', undefined, opts); }
    listTemplates(opts) { return this.#s.listed('listTemplates', undefined, opts); }
    listTemplateVersions(name, opts) { return this.#s.listed('listTemplateVersions', name, opts); }
    getTemplate(name, opts) { return this.#s.run('getTemplate', name, undefined, opts); }
    getOutput(appId, opts) { return this.#s.run('getOutput', appId, undefined, opts); }
    // No generator around the session's to pass each chunk or line on.
    logs(appId, opts) { return this.#s.logChunks(appId, opts); }
    logLines(appId, opts) { return new BatchIterator(this.#s.logChunks(appId, opts, true), opts?.signal ?? undefined); }

    getEvents(appId, opts) { return this.#s.pages('getEvents', appId, opts); }

    // Polls get() (so each poll has the client's retry policy): the app at once, then again whenever its
    // state or updated_at changes. Ends after `uninstalled`, or on a 404 once `uninstalling` was seen (the
    // record may be gone by then); any other error rejects. The wait between polls ends on abort.
    async *watch(appId, opts) {
      if (opts !== undefined && opts !== null && (typeof opts !== 'object' || Array.isArray(opts))) {
        throw new IllegalArgumentError('watch: options must be an object');
      }
      const { intervalMs, ...getOpts } = opts ?? {};
      const interval = intervalMs ?? 2000;
      if (typeof interval !== 'number' || !Number.isFinite(interval) || interval < 0) {
        throw new IllegalArgumentError('intervalMs must be a finite number >= 0');
      }
      const signal = getOpts.signal ?? undefined;
      let last;
      for (;;) {
        let app;
        try {
          app = await this.get(appId, getOpts);
        } catch (e) {
          if (e instanceof ResourceNotFound && last?.state === AppState.UNINSTALLING) return;
          throw e;
        }
        if (!last || app.state !== last.state || app.updated_at.getTime() !== last.updated_at.getTime()) {
          last = app;
          yield app;
        }
        if (app.state === AppState.UNINSTALLED) return;
        await sleep(interval, signal);
      }
    }
    getRevisions(appId, opts) { return this.#s.run('getRevisions', appId, undefined, opts); }
    rollback(appId, revisionNumber, opts) { return this.#s.run('rollback', appId, revisionNumber, opts); }
    getInput(appId, opts) { return this.#s.run('getInput', appId, undefined, opts); }
  }

  let adopting = null; // set by connect() so that the constructor takes over a connected session

  class ApoloClient {
    #s;
    #apps;
    constructor(options) {
      if (adopting) {
        this.#s = adopting;
        adopting = null;
      } else {
        if (options === null || typeof options !== 'object') throw new IllegalArgumentError('ApoloClient options must be an object');
        this.#s = new Session(options);
      }
      this.#apps = new Apps(this.#s);
    }

    /** `GET {apiUrl}/config`, then the cluster, org and project apolo-cli picks at login. */
    static async connect(options) {
      if (options === null || typeof options !== 'object') throw new IllegalArgumentError('ApoloClient options must be an object');
      const s = new Session(options);
      const signal = options.signal ?? undefined;
      aborted(signal);
      await s.run('connect', undefined, undefined, { signal, maxRetries: options.maxRetries, timeoutMs: options.timeoutMs });
      s.info = sync(() => w.clientInfo(s.id()));
      adopting = s;
      try {
        return new ApoloClient(options);
      } finally {
        adopting = null;
      }
    }

    get apps() { return this.#apps; }
    #info() { return sync(() => w.clientInfo(this.#s.id())); }
    get cluster() { return this.#info().cluster; }
    get org() { return this.#info().org; }
    get project() { return this.#info().project; }
  }

  return {
    ApoloClient,
    AppState,
    ...errorClasses,
  };
}
