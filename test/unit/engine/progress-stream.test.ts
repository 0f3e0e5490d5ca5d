import { expect } from 'chai';
import { PassThrough, Readable } from 'node:stream';
import { followProgress, type ProgressEvent } from '../../../src/engine/progress-stream.js';
import { rejectionOf } from '../../support/unit/helpers.js';

function streamOf(chunks: string[]): Readable {
  return Readable.from(chunks.map((c) => Buffer.from(c)));
}

describe('followProgress', () => {
  it('passes every event to the callback and resolves with all of them', async () => {
    const seen: ProgressEvent[] = [];
    const events = await followProgress(streamOf(['{"stream":"Step 1/2\\n"}\n{"status":"Pulling","id":"ab', 'c"}\n', '{"aux":{"ID":"sha256:123"}}']), (e) =>
      seen.push(e),
    );
    const expected = [{ stream: 'Step 1/2\n' }, { status: 'Pulling', id: 'abc' }, { aux: { ID: 'sha256:123' } }];
    expect(seen).to.deep.equal(expected);
    expect(events).to.deep.equal(expected);
  });

  it('turns a non-JSON line into a stream event', async () => {
    const seen: ProgressEvent[] = [];
    await followProgress(streamOf(['plain text\n\n']), (e) => seen.push(e));
    expect(seen).to.deep.equal([{ stream: 'plain text\n' }]);
  });

  it('rejects with the message of an {"error":...} line', async () => {
    const seen: ProgressEvent[] = [];
    const error = await rejectionOf(
      followProgress(streamOf(['{"stream":"Step 1/3\\n"}\n', '{"error":"The command \'/bin/sh -c false\' returned a non-zero code: 1"}\n']), (e) =>
        seen.push(e),
      ),
    );
    expect(error).to.be.instanceOf(Error);
    expect((error as Error).message).to.equal("The command '/bin/sh -c false' returned a non-zero code: 1");
    expect(seen).to.deep.equal([{ stream: 'Step 1/3\n' }]);
  });

  it('prefers errorDetail.message and keeps the first error', async () => {
    const error = await rejectionOf(
      followProgress(streamOf(['{"errorDetail":{"message":"manifest unknown"},"error":"short"}\n{"error":"second"}\n']), () => undefined),
    );
    expect((error as Error).message).to.equal('manifest unknown');
  });

  it('sees an error line without a trailing newline at the end', async () => {
    const error = await rejectionOf(followProgress(streamOf(['{"status":"ok"}\n{"error":"last gasp"}']), () => undefined));
    expect((error as Error).message).to.equal('last gasp');
  });

  it('rejects when the stream itself fails', async () => {
    const stream = new PassThrough();
    const pending = followProgress(stream, () => undefined);
    stream.write('{"status":"x"}\n');
    stream.destroy(new Error('socket hang up'));
    const error = await rejectionOf(pending);
    expect((error as Error).message).to.equal('socket hang up');
  });
});
