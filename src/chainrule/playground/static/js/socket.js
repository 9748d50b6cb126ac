// The one websocket of this tab: JSON text messages out, JSON or binary frames in.
// A binary message is a uint32 header length, a JSON header, then raw blocks
// (see chainrule/playground/frames.py); blocks become typed-array views, no copies.

const TYPED = { uint8: Uint8Array, float32: Float32Array };

export function decode(buffer) {
  const view = new DataView(buffer);
  const size = view.getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, size)));
  const start = 4 + size;
  const blocks = {};
  for (const [name, dtype, shape, offset, nbytes] of header.blocks) {
    const Type = TYPED[dtype];
    blocks[name] = { data: new Type(buffer, start + offset, nbytes / Type.BYTES_PER_ELEMENT), shape };
  }
  return { header, blocks };
}

export class Socket {
  constructor(onMessage, onStatus) {
    this.onMessage = onMessage;
    this.onStatus = onStatus;
    this.queue = [];
    this.connect();
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    this.ws = new WebSocket(`${scheme}://${location.host}/ws`);
    this.ws.binaryType = "arraybuffer";
    this.ws.onopen = () => {
      this.onStatus("open");
      for (const m of this.queue.splice(0)) this.ws.send(m);
    };
    this.ws.onclose = () => this.onStatus("closed");
    this.ws.onmessage = (event) => {
      if (typeof event.data === "string") this.onMessage(JSON.parse(event.data), null);
      else {
        const { header, blocks } = decode(event.data);
        this.onMessage(header, blocks);
      }
    };
  }

  send(type, fields = {}) {
    const text = JSON.stringify({ type, ...fields });
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(text);
    else this.queue.push(text);
  }
}
