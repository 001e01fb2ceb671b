// Validates SNS messages with AWS's own validator (the sns-validator package), unmodified.
// Usage: NODE_EXTRA_CA_CERTS=<Quayside's CA> node validate.js <emulator host:port> < messages.json
// (a JSON array of messages).
// The emulator runs with --sns-cert-host sns.us-east-1.amazonaws.com, so the messages name the
// certificate as AWS would; the one network call the validator makes (https.get of the
// certificate) goes over HTTPS to the emulator's port on 127.0.0.1, with that host name as
// the TLS server name: Node checks the emulator's certificate for it against the CA given.
// Prints one line per message: "valid" or "invalid: <reason>".
"use strict";
const https = require("https");
const MessageValidator = require("sns-validator");

const [host, port] = process.argv[2].split(":");
const get = https.get;
https.get = (url, cb) => {
  const u = new URL(url);
  return get({ host, port, path: u.pathname, servername: u.hostname, headers: { Host: u.hostname } }, cb);
};

let input = "";
process.stdin.on("data", (d) => (input += d));
process.stdin.on("end", async () => {
  const validator = new MessageValidator();
  for (const m of JSON.parse(input)) {
    const line = await new Promise((resolve) =>
      validator.validate(m, (err) => resolve(err ? `invalid: ${err.message}` : "valid"))
    );
    console.log(line);
  }
});
