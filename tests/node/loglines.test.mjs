// logLines as an iterator: the text of any chunking equals a streaming TextDecoder's split into lines,
// and it behaves as a generator (ordered next() calls, return()/throw()/break close the socket with
// 1000, the same errors after the lines before them). A `ws` server on 127.0.0.1 sends the frames.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ConnectionError } from 'apolo-apps';
import { WebSocketServer } from 'ws';
import { collect, startEmulator, withTimeout } from './helpers.mjs';

let emu;
let wss;
let port;
let scenario;
before(async () => {
  emu = await startEmulator();
  wss = new WebSocketServer({
    host: '127.0.0.1', port: 0,
    handleProtocols: (protocols) => (protocols.has('logs.apolo.us') ? 'logs.apolo.us' : false),
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  port = wss.address().port;
  wss.on('connection', (socket) => scenario(socket));
});
after(async () => {
  await new Promise((resolve) => wss.close(resolve));
  await emu?.stop();
});
const client = (extra) => emu.client({ monitoringUrl: `http://127.0.0.1:${port}/api/v1/jobs`, ...extra });
const closeCode = (socket) => new Promise((resolve) => socket.once('close', resolve));

// What logLines promises: a streaming TextDecoder's text cut at "\n", a "\r" before it dropped, a
// last line without newline kept as it is.
function referenceLines(frames) {
  const d = new TextDecoder('utf-8');
  let text = '';
  for (const f of frames) text += d.decode(f, { stream: true });
  text += d.decode();
  const parts = text.split('\n');
  const last = parts.pop();
  const lines = parts.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  if (last !== '') lines.push(last);
  return lines;
}

describe('logLines', () => {
  test('any chunking of multi-byte, invalid, BOM and CRLF bytes gives the streaming decoder\'s lines', async () => {
    // Bytes that test the decoder at chunk ends: 2-, 3- and 4-byte sequences, a BOM (dropped only at
    // the start), lone continuation bytes, invalid and overlong leads, surrogates, CR LF.
    const pool = [0x41, 0x0a, 0x0d, 0x0a, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xe6, 0x97, 0xa5, 0xf0, 0x9f, 0x98,
      0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff, 0xe0, 0xed, 0xa0, 0xf4, 0x90, 0x8f, 0xc2];
    let seed = 7;
    const rnd = (n) => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed % n; };
    const cases = [[Buffer.from([0xef, 0xbb]), Buffer.from([0xbf, 0x61, 0x0a, 0xef, 0xbb, 0xbf, 0x62])]];
    for (let t = 0; t < 150; t++) {
      const bytes = Buffer.from(Array.from({ length: 1 + rnd(40) }, () => pool[rnd(pool.length)]));
      const frames = [];
      for (let pos = 0; pos < bytes.length;) {
        const k = rnd(6); // 0: an empty frame
        frames.push(bytes.subarray(pos, pos + k));
        pos += k;
      }
      cases.push(frames);
    }
    const c = client();
    for (const frames of cases) {
      scenario = (socket) => {
        for (const f of frames) socket.send(f, { binary: true });
        socket.close(1000);
      };
      const want = referenceLines(frames);
      assert.deepEqual(await collect(c.apps.logLines('app-1')), want, JSON.stringify(frames.map((f) => [...f])));
    }
  });

  test('next() calls made at once are answered in order, across chunks and past the end', async () => {
    scenario = (socket) => {
      socket.send(Buffer.from('a\nb\n'), { binary: true });
      setTimeout(() => { socket.send(Buffer.from('c\nd'), { binary: true }); socket.close(1000); }, 20);
    };
    const it = client().apps.logLines('app-1');
    const got = await Promise.all([it.next(), it.next(), it.next(), it.next(), it.next(), it.next()]);
    assert.deepEqual(got.map((r) => (r.done ? 'done' : r.value)), ['a', 'b', 'c', 'd', 'done', 'done']);
    assert.equal(it[Symbol.asyncIterator](), it);
  });

  test('return() with lines of a chunk still unread closes the socket with 1000 and ends the iterator', async () => {
    let closed;
    scenario = (socket) => {
      closed = closeCode(socket);
      socket.send(Buffer.from('one\ntwo\nthree\n'), { binary: true });
    };
    const it = client().apps.logLines('app-1');
    assert.deepEqual(await it.next(), { value: 'one', done: false });
    assert.deepEqual(await it.return('bye'), { value: 'bye', done: true });
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('break in for await closes the socket with 1000', async () => {
    let closed;
    scenario = (socket) => {
      closed = closeCode(socket);
      socket.send(Buffer.from('one\ntwo\nthree\n'), { binary: true });
    };
    for await (const line of client().apps.logLines('app-1')) {
      assert.equal(line, 'one');
      break;
    }
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
  });

  test('return() during a pending next() waits for it, as a generator does, then closes', async () => {
    let closed;
    let serverSide;
    scenario = (socket) => { serverSide = socket; closed = closeCode(socket); };
    const it = client().apps.logLines('app-1');
    const pending = it.next();
    const ended = it.return();
    await new Promise((resolve) => { const poll = () => (serverSide ? resolve() : setTimeout(poll, 5)); poll(); });
    serverSide.send(Buffer.from('late\nmore\n'), { binary: true });
    assert.deepEqual(await pending, { value: 'late', done: false });
    assert.deepEqual(await ended, { value: undefined, done: true });
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('throw() rejects with its error and closes the socket with 1000', async () => {
    let closed;
    scenario = (socket) => {
      closed = closeCode(socket);
      socket.send(Buffer.from('one\ntwo\n'), { binary: true });
    };
    const it = client().apps.logLines('app-1');
    assert.deepEqual(await it.next(), { value: 'one', done: false });
    const boom = new Error('boom');
    await assert.rejects(it.throw(boom), (e) => e === boom);
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
    assert.deepEqual(await it.next(), { value: undefined, done: true });
  });

  test('a close other than 1000: the complete lines, then ConnectionError; the unfinished line is dropped', async () => {
    scenario = (socket) => {
      socket.send(Buffer.from('a\nb\npart'), { binary: true });
      socket.close(1011, 'backend down');
    };
    const got = [];
    await assert.rejects(async () => { for await (const l of client().apps.logLines('app-1')) got.push(l); },
      (e) => e instanceof ConnectionError && /1011/.test(e.message));
    assert.deepEqual(got, ['a', 'b']);
  });

  test('a line longer than maxLogBufferBytes: the lines before it, then ConnectionError, socket closed with 1000', async () => {
    let closed;
    scenario = (socket) => {
      closed = closeCode(socket);
      socket.send(Buffer.from('short\nline\n0123456789'), { binary: true });
      socket.send(Buffer.from('0123456789'), { binary: true }); // 20 characters without a newline
    };
    const got = [];
    await assert.rejects(async () => {
      for await (const l of client().apps.logLines('app-1', { maxLogBufferBytes: 16 })) got.push(l);
    }, (e) => e instanceof ConnectionError && /longer than the log buffer limit \(16 bytes\)/.test(e.message));
    assert.deepEqual(got, ['short', 'line']);
    assert.equal(await withTimeout(closed, 10_000, 'server saw the close'), 1000);
  });

  test('a long line split over many chunks arrives whole', async () => {
    const long = 'x'.repeat(300_000);
    scenario = (socket) => {
      const bytes = Buffer.from(`${long}\r\nend`);
      for (let i = 0; i < bytes.length; i += 1000) socket.send(bytes.subarray(i, i + 1000), { binary: true });
      socket.close(1000);
    };
    assert.deepEqual(await collect(client().apps.logLines('app-1')), [long, 'end']);
  });
});
