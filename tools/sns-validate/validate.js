// Validates SNS messages with AWS's own validator (the sns-validator package), unmodified.
// Usage: node validate.js <emulator host:port> < messages.json (a JSON array of messages).
// The emulator runs with --sns-cert-host sns.us-east-1.amazonaws.com, so the messages name the
// certificate as AWS would; the one network call the validator makes (https.get of the
// certificate) is answered by the emulator at the same path over plain HTTP on 127.0.0.1.
// Prints one line per message: "valid" or "invalid: <reason>".
"use strict";
const http = require("http");
const https = require("https");
const MessageValidator = require("sns-validator");

const emulator = process.argv[2];
https.get = (url, cb) => http.get(`http://${emulator}${new URL(url).pathname}`, cb);

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
