// Browser-side clients under node against mq-lite's WebSocket port: stomp.js (over the `ws`
// package, as a browser's WebSocket) and MQTT.js, sharing a topic. Prints what they saw as JSON.
// Usage: node run.js ws://127.0.0.1:PORT PASSWORD
const { Client } = require("@stomp/stompjs");
const WebSocket = require("ws");
const mqtt = require("mqtt");

const [url, password] = process.argv.slice(2);
const out = {};
const timer = setTimeout(() => { console.log(JSON.stringify({ timeout: true, ...out })); process.exit(1); }, 20000);

const stomp = new Client({
  webSocketFactory: () => new WebSocket(url, ["v12.stomp", "v11.stomp", "v10.stomp"]),
  connectHeaders: { login: "admin", passcode: password },
  reconnectDelay: 0,
  heartbeatIncoming: 0,
  heartbeatOutgoing: 0,
});

stomp.onConnect = (frame) => {
  out.stompVersion = frame.headers.version;
  stomp.subscribe("/queue/browser", (m) => {
    out.queue = m.body;
    out.queueHeader = m.headers["colour"];
    m.ack();
    startMqtt();
  }, { ack: "client-individual" });
  stomp.subscribe("/topic/web.chat", (m) => {
    out.fromMqtt = m.body;
    finish();
  });
  stomp.publish({ destination: "/queue/browser", body: "hello from a browser", headers: { colour: "blue", persistent: "true" } });
};
stomp.onStompError = (f) => { out.stompError = f.headers.message; };

let m;
function startMqtt() {
  m = mqtt.connect(url, { username: "admin", password, clientId: "browser-mqtt", protocolVersion: 4 });
  m.on("connect", () => {
    m.subscribe("web/echo", { qos: 1 }, () => {
      stomp.publish({ destination: "/topic/web.echo", body: "from stomp.js" });
    });
  });
  m.on("message", (topic, payload) => {
    out.mqttTopic = topic;
    out.mqttPayload = payload.toString();
    m.publish("web/chat", "from MQTT.js", { qos: 1 });
  });
  m.on("error", (e) => { out.mqttError = String(e); });
}

function finish() {
  clearTimeout(timer);
  console.log(JSON.stringify(out));
  m.end(true);
  stomp.deactivate().then(() => process.exit(0));
}

stomp.activate();
