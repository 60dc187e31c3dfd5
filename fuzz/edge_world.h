// The edge layer the edge_request target sends to (shared with
// make_seeds.cpp, which writes requests to it): an in-memory registry of
// edge layer "L2/L1a/E1" at a fixed time, with deterministic ids and secrets:
//   sensor   (unsigned; upload, contract, talk:*) with a format document,
//   actuator (unsigned; talk:class:Device/Sensor),
//   device   (hmac; upload) whose secret the fuzzer does not know.
// Built afresh for every input, so inputs never see each other's writes.
#pragma once

#include <memory>
#include <string>

#include "mlchain/codec/json.h"
#include "mlchain/common/clock.h"
#include "mlchain/common/rng.h"
#include "mlchain/edge/registry.h"
#include "mlchain/store/memory_store.h"

namespace mlchain::fuzz {

inline const char* const kSensorFormat = R"({"type": "object", "properties": {
  "t": {"type": "integer", "minimum": -5000, "maximum": 8000, "description": "centi-degrees Celsius"},
  "unit": {"type": "string", "enum": ["C", "F"]},
  "tags": {"type": "array", "items": {"type": "string", "maxLength": 8}, "maxItems": 4},
  "ok": {"type": "boolean"}}, "required": ["t"]})";

struct EdgeWorld {
  ManualClock clock;
  SeededRng ids{42};
  SeededRng secret_rng{7};
  std::unique_ptr<store::Store> store = store::make_memory_store();
  std::unique_ptr<edge::Registry> registry;
  std::string sensor, actuator, device;  // UUIDs

  EdgeWorld() {
    edge::RegistryOptions o;
    o.layer_path = "L2/L1a/E1";
    o.policy.allow_unsigned = true;
    o.queue_limit = 4;
    o.history_limit = 4;
    registry = edge::Registry::open(*store, o, clock, ids, [this](std::span<std::uint8_t> out) {
                 secret_rng.fill(out);
                 return Status{};
               }).value();
    edge::ObjectSpec s;
    s.class_path = "Device/Sensor/Thermometer";
    s.permissions = {"upload", "contract", "talk:*"};
    s.format = codec::parse(kSensorFormat).value();
    s.credential.scheme = edge::Scheme::kUnsigned;
    sensor = registry->register_object(s).value().record.uuid;
    edge::ObjectSpec a;
    a.class_path = "Device/Actuator";
    a.permissions = {"talk:class:Device/Sensor"};
    a.credential.scheme = edge::Scheme::kUnsigned;
    actuator = registry->register_object(a).value().record.uuid;
    edge::ObjectSpec d;
    d.class_path = "Device/Meter";
    d.permissions = {"upload"};
    d.credential.scheme = edge::Scheme::kHmac;
    device = registry->register_object(d).value().record.uuid;
  }
};

}  // namespace mlchain::fuzz
