import { Socket } from 'node:net';

/** Size of a server's shared read buffer: what one `read()` of a socket can take at most. */
export const READ_BUFFER_SIZE = 64 * 1024;

/**
 * Moves an accepted socket, created with `pauseOnConnect`, onto Node's `onread` mode: every read lands
 * in `buffer` (one buffer shared by all the server's sockets) and `onData` gets a view of the bytes
 * read, valid only during the call. Without it Node allocates a 64 KiB buffer for each read, copies
 * the bytes into a new right-sized ArrayBuffer and pushes it through the Readable stream machinery:
 * on a media relay, where a publisher's socket is read once per audio or video message, those
 * allocations were the largest user-space cost after the socket writes (see BENCHMARKS.md).
 *
 * Node offers `onread` only for sockets it connects; for accepted ones the socket's handle is given
 * to a new `Socket` (Node's own path for a wrapped handle), which takes the old one's place in the
 * server's connection count. The old object is left paused and without a handle. Returns null when
 * the socket has no handle to move (the caller then reads it the ordinary way).
 *
 * `onData` must not keep `data` (or a view of it) after it returns: the next read overwrites it.
 */
export function adoptWithReadBuffer(
  socket: Socket,
  buffer: Buffer,
  onData: (data: Buffer) => void,
): Socket | null {
  const old = socket as Socket & { _handle?: unknown; _server?: unknown };
  const handle = old._handle;
  if (!handle || socket.destroyed) return null;
  const server = old._server ?? null;
  old._handle = null;
  const adopted = new Socket({
    handle,
    readable: true,
    writable: true,
    onread: {
      buffer,
      callback: (n: number, buf: Uint8Array) => {
        onData((buf as Buffer).subarray(0, n));
      },
    },
  } as ConstructorParameters<typeof Socket>[0]) as Socket & { server: unknown; _server: unknown };
  // The connection count of the server was taken by the old object; the new one gives it back on close.
  adopted.server = server;
  adopted._server = server;
  return adopted;
}
