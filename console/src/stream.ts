/**
 * Server-sent events over fetch, so the request can carry an Authorization
 * header (EventSource cannot). Reconnects after the server's `retry:` delay
 * (default 3 s) until stopped.
 */
export interface StreamHandle {
  stop(): void;
}

export function openEventStream(
  url: string,
  auth: string,
  onEvent: (event: string, data: string) => void,
  onState: (state: 'open' | 'closed' | 'error', detail?: string) => void,
): StreamHandle {
  const controller = new AbortController();
  let retryMs = 3000;
  let stopped = false;

  const run = async (): Promise<void> => {
    while (!stopped) {
      try {
        const response = await fetch(url, { headers: { authorization: auth, accept: 'text/event-stream' }, signal: controller.signal });
        if (!response.ok || !response.body) {
          onState('error', `HTTP ${response.status}`);
          if (response.status === 401 || response.status === 403 || response.status === 404) return;
        } else {
          onState('open');
          const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
          let buffer = '';
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            buffer += value;
            let cut: number;
            while ((cut = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, cut);
              buffer = buffer.slice(cut + 2);
              let event = 'message';
              const data: string[] = [];
              for (const line of block.split('\n')) {
                if (line.startsWith('event:')) event = line.slice(6).trim();
                else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
                else if (line.startsWith('retry:')) retryMs = Number(line.slice(6).trim()) || retryMs;
              }
              if (data.length > 0) onEvent(event, data.join('\n'));
            }
          }
          onState('closed');
        }
      } catch (error) {
        if (stopped) return;
        onState('error', (error as Error).message);
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  };
  void run();
  return {
    stop() {
      stopped = true;
      controller.abort();
    },
  };
}
