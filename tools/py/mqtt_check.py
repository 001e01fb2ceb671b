"""paho-mqtt (the Python MQTT client) against mq-lite: prints what it saw as JSON.

Usage: mqtt_check.py HOST PORT PASSWORD
"""
import json
import sys
import time

import paho.mqtt.client as mqtt

host, port, password = sys.argv[1], int(sys.argv[2]), sys.argv[3]


def wait_for(cond, seconds=10):
    end = time.time() + seconds
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def subscribed(c, n=1):
    """Waits for the broker's SUBACK (n of them in all on this client)."""
    wait_for(lambda: c.user_data_get()["subacks"] >= n)


def client(client_id, clean=True, user="admin", pw=password, will=None):
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=clean, protocol=mqtt.MQTTv311)
    c.username_pw_set(user, pw)
    got = []
    c.user_data_set({"got": got, "rc": None, "present": None, "subacks": 0})
    if will:
        c.will_set(*will)

    def on_connect(cl, ud, flags, rc, props=None):
        ud["rc"] = rc.value if hasattr(rc, "value") else rc
        ud["present"] = bool(flags.session_present)

    def on_message(cl, ud, msg):
        ud["got"].append({"topic": msg.topic, "payload": msg.payload.decode(), "qos": msg.qos, "retain": bool(msg.retain)})

    def on_subscribe(cl, ud, mid, codes, props=None):
        ud["subacks"] += 1

    c.on_connect = on_connect
    c.on_message = on_message
    c.on_subscribe = on_subscribe
    c.connect(host, port, keepalive=30)
    c.loop_start()
    wait_for(lambda: c.user_data_get()["rc"] is not None)
    return c


out = {}
sub = client("py-sub")
sub.subscribe([("sensors/+/temp", 1), ("alerts/#", 2)])
subscribed(sub)
pub = client("py-pub")
pub.publish("sensors/kitchen/temp", "21.5", qos=1).wait_for_publish(5)
pub.publish("alerts/fire/level", "high", qos=2).wait_for_publish(5)
pub.publish("other/topic", "ignored", qos=0)
data = sub.user_data_get()
wait_for(lambda: len(data["got"]) >= 2)
time.sleep(0.2)
out["wildcards"] = sorted((m["topic"], m["payload"], m["qos"]) for m in data["got"])
# Retained: a later subscriber gets the last retained message, flagged.
pub.publish("status/door", "open", qos=1, retain=True).wait_for_publish(5)
late = client("py-late")
late.subscribe("status/door", qos=1)
ld = late.user_data_get()
wait_for(lambda: ld["got"])
out["retained"] = ld["got"]
late.disconnect()
# A persistent session keeps QoS 1 messages while its client is away.
p = client("py-persist", clean=False)
p.subscribe("queue/jobs", qos=1)
subscribed(p)
p.disconnect()
p.loop_stop()
pub.publish("queue/jobs", "job-1", qos=1).wait_for_publish(5)
p = client("py-persist", clean=False)
pd = p.user_data_get()
out["session_present"] = pd["present"]
wait_for(lambda: pd["got"])
out["offline"] = [m["payload"] for m in pd["got"]]
p.disconnect()
# A last will, published when its client vanishes.
watch = client("py-watch")
watch.subscribe("wills/#", qos=1)
wd = watch.user_data_get()
subscribed(watch)
doomed = client("py-doomed", will=("wills/py-doomed", "gone", 1, False))
doomed.loop_stop()
doomed.socket().close()
wait_for(lambda: wd["got"])
out["will"] = [m["payload"] for m in wd["got"]]
# Bad credentials: CONNACK 4.
bad = client("py-bad", pw="wrong")
out["bad_rc"] = bad.user_data_get()["rc"]
print(json.dumps(out))
