import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PrimaryMessage, WorkerMessage } from './messages.js';
import { createWorkerLink, type IpcChannel } from './worker-link.js';

/** The worker's end of an IPC channel, with what it sent and a way to deliver the primary's messages. */
function fakeChannel() {
  const events = new EventEmitter();
  const sent: WorkerMessage[] = [];
  const channel: IpcChannel & { sent: WorkerMessage[]; deliver(message: PrimaryMessage | unknown): void } = {
    sent,
    send: (message) => void sent.push(message),
    on: (event, listener) => events.on(event, listener),
    off: (event, listener) => events.off(event, listener),
    deliver: (message) => events.emit('message', message),
  };
  return channel;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('createWorkerLink', () => {
  it('answers /metrics with the merged exposition the primary sends back for its request', async () => {
    const channel = fakeChannel();
    const link = createWorkerLink({ channel });
    const rendered = link.render();
    expect(channel.sent).toEqual([{ type: 'cig:metrics-request', id: 1 }]);
    // An answer to another request does not settle this one.
    channel.deliver({ type: 'cig:cluster-metrics', id: 7, text: 'other\n' });
    channel.deliver({ type: 'cig:cluster-metrics', id: 1, text: 'merged\n' });
    await expect(rendered).resolves.toBe('merged\n');
  });

  it('gives the primary this worker\'s own exposition when asked, empty before the registry is attached', () => {
    const channel = fakeChannel();
    const link = createWorkerLink({ channel });
    channel.deliver({ type: 'cig:collect-metrics', id: 3 });
    link.attach(() => 'local 1\n');
    channel.deliver({ type: 'cig:collect-metrics', id: 4 });
    expect(channel.sent).toEqual([
      { type: 'cig:local-metrics', id: 3, text: '' },
      { type: 'cig:local-metrics', id: 4, text: 'local 1\n' },
    ]);
  });

  it('fails a scrape the primary does not answer in time, so /metrics is never left hanging', async () => {
    vi.useFakeTimers();
    const link = createWorkerLink({ channel: fakeChannel(), timeoutMs: 500 });
    const rendered = link.render();
    const failed = expect(rendered).rejects.toThrow('did not answer within 500 ms');
    await vi.advanceTimersByTimeAsync(500);
    await failed;
  });

  it('fails at once when the channel to the primary is closed', async () => {
    const channel = fakeChannel();
    channel.send = () => {
      throw new Error('ERR_IPC_CHANNEL_CLOSED');
    };
    await expect(createWorkerLink({ channel }).render()).rejects.toThrow('the cluster primary is gone');
  });

  it('runs the shutdown listeners when the primary says so, and ignores messages that are not ours', () => {
    const channel = fakeChannel();
    const link = createWorkerLink({ channel });
    const stop = vi.fn();
    link.onShutdown(stop);
    channel.deliver({ type: 'shutdown' });
    channel.deliver('cig:shutdown');
    expect(stop).not.toHaveBeenCalled();
    channel.deliver({ type: 'cig:shutdown' });
    expect(stop).toHaveBeenCalledOnce();
  });

  it('fails waiting scrapes and stops listening once closed', async () => {
    const channel = fakeChannel();
    const link = createWorkerLink({ channel });
    const rendered = link.render();
    link.close();
    await expect(rendered).rejects.toThrow('closed');
    channel.deliver({ type: 'cig:collect-metrics', id: 9 });
    expect(channel.sent).toEqual([{ type: 'cig:metrics-request', id: 1 }]);
  });
});
