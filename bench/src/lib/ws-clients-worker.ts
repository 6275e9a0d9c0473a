/**
 * WebSocket clients of the websocket benchmark, in a worker thread so that 100 clients x 1,000
 * messages/s do not share an event loop with the writer whose commit times they are compared to.
 * Times are process.hrtime (one monotonic clock for every thread of the process), in ms.
 *
 * workerData: { url, clients, capacity, probeType }. Posts { kind: 'ready' } once every client is
 * caught up; on { kind: 'finish', expected, drainTimeoutMs } waits until every client has
 * `expected` probe events (or the timeout) and posts { kind: 'result', clients: [...] }.
 */
import { parentPort, workerData } from 'node:worker_threads';
import WebSocket from 'ws';
import { comparePositions, decodePosition, type LogPosition } from '@tracktrove/event-store';

const {
  url,
  clients: clientCount,
  capacity,
  probeType,
} = workerData as { url: string; clients: number; capacity: number; probeType: string };
const clock = () => Number(process.hrtime.bigint()) / 1e6;

interface Client {
  socket: WebSocket;
  receivedAt: Float64Array;
  received: number;
  duplicates: number;
  outOfOrder: number;
  otherEvents: number;
  closeCode: number | null;
  lastPosition: LogPosition | null;
}

/** The fields the check needs, without a full JSON.parse of every message; JSON.parse otherwise. */
function parseMessage(text: string): { kind: string; position: string; seq: number | null } {
  if (text.startsWith('{"kind":"event"')) {
    const positionAt = text.indexOf('"position":"');
    const typeAt = text.indexOf('"type":"');
    if (positionAt > 0 && typeAt > 0) {
      const position = text.slice(positionAt + 12, text.indexOf('"', positionAt + 12));
      const isProbe = text.startsWith(`${probeType}"`, typeAt + 8);
      if (!isProbe) return { kind: 'event', position, seq: null };
      const seqAt = text.indexOf('"seq":');
      if (seqAt > 0) return { kind: 'event', position, seq: Number.parseInt(text.slice(seqAt + 6, seqAt + 20), 10) };
    }
  }
  const message = JSON.parse(text) as { kind: string; event?: { position: string; type: string; data: { seq: number } } };
  if (message.kind !== 'event' || !message.event) return { kind: message.kind, position: '', seq: null };
  return { kind: 'event', position: message.event.position, seq: message.event.type === probeType ? message.event.data.seq : null };
}

function connect(): { client: Client; caughtUp: Promise<void> } {
  const socket = new WebSocket(url);
  const client: Client = {
    socket,
    receivedAt: new Float64Array(capacity).fill(-1),
    received: 0,
    duplicates: 0,
    outOfOrder: 0,
    otherEvents: 0,
    closeCode: null,
    lastPosition: null,
  };
  const caughtUp = new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.on('close', (code) => {
      client.closeCode = code;
      reject(new Error(`closed with ${code} before caught-up`));
    });
    socket.on('message', (raw: Buffer) => {
      const at = clock();
      const message = parseMessage(raw.toString());
      if (message.kind === 'caught-up') return resolve();
      if (message.kind !== 'event') return;
      const position = decodePosition(message.position);
      if (client.lastPosition && comparePositions(position, client.lastPosition) <= 0) client.outOfOrder += 1;
      client.lastPosition = position;
      if (message.seq === null) {
        client.otherEvents += 1;
        return;
      }
      if (client.receivedAt[message.seq]! >= 0) client.duplicates += 1;
      else {
        client.receivedAt[message.seq] = at;
        client.received += 1;
      }
    });
  });
  caughtUp.catch(() => undefined);
  return { client, caughtUp };
}

const connected = Array.from({ length: clientCount }, connect);
const clients = connected.map((entry) => entry.client);
try {
  await Promise.all(connected.map((entry) => entry.caughtUp));
  parentPort!.postMessage({ kind: 'ready' });
} catch (error) {
  parentPort!.postMessage({ kind: 'error', message: String(error) });
}

parentPort!.on('message', async (message: { kind: string; expected: number; drainTimeoutMs: number }) => {
  if (message.kind !== 'finish') return;
  const until = clock() + message.drainTimeoutMs;
  while (clock() < until && clients.some((client) => client.received < message.expected))
    await new Promise((resolve) => setTimeout(resolve, 50));
  const closeCodes = clients.map((client) => client.closeCode);
  for (const client of clients) client.socket.terminate();
  parentPort!.postMessage({
    kind: 'result',
    clients: clients.map((client, index) => ({
      receivedAt: client.receivedAt,
      received: client.received,
      duplicates: client.duplicates,
      outOfOrder: client.outOfOrder,
      otherEvents: client.otherEvents,
      closeCode: closeCodes[index],
    })),
  });
});
