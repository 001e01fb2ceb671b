"""stomp.py and paho-mqtt over TLS against mq-lite (stomp+ssl, mqtt+ssl), trusting Quayside's
CA: prints what they saw as JSON.

Usage: tls_check.py HOST STOMP_PORT MQTT_PORT PASSWORD CA_FILE
"""
import json
import sys
import threading

import paho.mqtt.client as mqtt
import stomp

host, stomp_port, mqtt_port, password, ca = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
out = {}

# STOMP over TLS: send to a queue and receive it back.
got = threading.Event()


class Listener(stomp.ConnectionListener):
    def on_message(self, frame):
        out["stomp"] = frame.body
        got.set()


c = stomp.Connection12([(host, stomp_port)])
c.set_ssl(for_hosts=[(host, stomp_port)], ca_certs=ca)
c.set_listener("", Listener())
c.connect("admin", password, wait=True)
out["stomp_tls"] = c.transport.socket.version() if hasattr(c.transport.socket, "version") else None
c.subscribe("/queue/over-tls", id="1", ack="auto")
c.send("/queue/over-tls", "secret over stomp+ssl", headers={"persistent": "true"})
got.wait(10)
# A TLS 1.3 session ticket arrives after the handshake, read by stomp.py's receiving thread
# while the main thread writes: the server sends none (see tls.rs).
session = c.transport.socket.session
out["stomp_ticket"] = bool(session is not None and session.has_ticket)
c.disconnect()

# MQTT over TLS: QoS 1 to itself.
done = threading.Event()


def on_message(client, userdata, message):
    out["mqtt"] = message.payload.decode()
    done.set()


def on_connect(client, userdata, flags, reason, properties):
    client.subscribe("tls/echo", qos=1)


def on_subscribe(client, userdata, mid, reasons, properties):
    client.publish("tls/echo", "secret over mqtt+ssl", qos=1)


m = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="tls-check", protocol=mqtt.MQTTv311)
m.username_pw_set("admin", password)
m.tls_set(ca_certs=ca)
m.on_connect, m.on_message, m.on_subscribe = on_connect, on_message, on_subscribe
m.connect(host, mqtt_port)
m.loop_start()
done.wait(10)
out["mqtt_tls"] = m.socket().version() if m.socket() is not None else None
m.disconnect()
m.loop_stop()
print(json.dumps(out))
