import type { Readable } from 'node:stream';

/** One line of the engine's JSON progress streams (image build, pull and push). */
export interface ProgressEvent {
  stream?: string;
  status?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  id?: string;
  error?: string;
  errorDetail?: { message?: string };
  /** A build's image id; a push's tag, digest and manifest size. */
  aux?: { ID?: string; Tag?: string; Digest?: string; Size?: number };
}

/**
 * Reads a JSON-lines progress stream to its end. The engine reports build and pull failures inside
 * the stream (`{"error": ...}`) after answering 200, so an error line rejects here.
 */
export function followProgress(stream: Readable, onEvent: (event: ProgressEvent) => void): Promise<ProgressEvent[]> {
  return new Promise((resolve, reject) => {
    const events: ProgressEvent[] = [];
    let buffer = '';
    let failed: Error | undefined;
    const handle = (line: string) => {
      const text = line.trim();
      if (!text) return;
      let event: ProgressEvent;
      try {
        event = JSON.parse(text) as ProgressEvent;
      } catch {
        event = { stream: `${text}\n` };
      }
      events.push(event);
      if (event.error || event.errorDetail?.message) {
        failed ??= new Error((event.errorDetail?.message ?? event.error ?? '').trim());
        return;
      }
      onEvent(event);
    };
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        handle(buffer.slice(0, newline));
        buffer = buffer.slice(newline + 1);
      }
    });
    stream.once('error', reject);
    stream.once('end', () => {
      handle(buffer);
      if (failed) reject(failed);
      else resolve(events);
    });
  });
}
