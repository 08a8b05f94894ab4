// Telemetry validation, features, labels, fatigue and the Emotion JSON form.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "emotion/emotion.h"

namespace genesis::emotion {

using core::Error;
using core::Result;
using core::Status;
using core::Value;

namespace {

std::string fmt_number(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  return buf;
}

Error invalid(const char* field, std::string message) {
  return core::make_error(core::code::kInvalidArgument, std::string(field) + " " + message, field);
}

Status check_rate(const char* field, double v) {
  if (!std::isfinite(v) || v < 0.0 || v > 1.0)
    return invalid(field, "must be a number in [0, 1], got " + fmt_number(v));
  return {};
}

Status check_task_count(int64_t v) {
  if (v < 0) return invalid("task_count", "must be an integer >= 0, got " + std::to_string(v));
  return {};
}

Status check_uptime(double v) {
  if (!std::isfinite(v) || v < 0.0)
    return invalid("uptime_ms", "must be a number >= 0, got " + fmt_number(v));
  return {};
}

// Reads a JSON number member into `out`, naming the field on a type error.
Status read_number(const Value& v, const char* field, double& out) {
  if (!v.is_number()) return invalid(field, std::string("must be a number, got ") + v.kind_name());
  out = v.as_double();
  return {};
}

}  // namespace

Result<Telemetry> parse_telemetry(const Value& v) {
  if (!v.is_object())
    return core::make_error(core::code::kInvalidArgument,
                            std::string("telemetry must be a JSON object, got ") + v.kind_name(),
                            "telemetry");
  Telemetry t;
  for (const auto& [key, member] : v.as_object()) {
    Status s;
    if (key == "cpu_usage") {
      s = read_number(member, "cpu_usage", t.cpu_usage);
      if (s) s = check_rate("cpu_usage", t.cpu_usage);
    } else if (key == "memory_usage") {
      s = read_number(member, "memory_usage", t.memory_usage);
      if (s) s = check_rate("memory_usage", t.memory_usage);
    } else if (key == "error_rate") {
      s = read_number(member, "error_rate", t.error_rate);
      if (s) s = check_rate("error_rate", t.error_rate);
    } else if (key == "success_rate") {
      s = read_number(member, "success_rate", t.success_rate);
      if (s) s = check_rate("success_rate", t.success_rate);
    } else if (key == "uptime_ms") {
      s = read_number(member, "uptime_ms", t.uptime_ms);
      if (s) s = check_uptime(t.uptime_ms);
    } else if (key == "task_count") {
      if (member.is_int()) {
        t.task_count = member.as_int();
      } else if (member.is_number()) {
        double d = member.as_double();
        // 2^62: far beyond any real count, and exactly representable.
        if (!(d == std::floor(d)) || std::fabs(d) > 4.611686018427388e18)
          return invalid("task_count", "must be an integer >= 0, got " + fmt_number(d));
        t.task_count = static_cast<int64_t>(d);
      } else {
        return invalid("task_count",
                       std::string("must be an integer >= 0, got ") + member.kind_name());
      }
      s = check_task_count(t.task_count);
    } else {
      return core::make_error(core::code::kInvalidArgument,
                              "unknown telemetry field \"" + key +
                                  "\" (expected cpu_usage, memory_usage, error_rate, "
                                  "task_count, success_rate, uptime_ms)",
                              key);
    }
    if (!s) return s.error();
  }
  return t;
}

Status validate(const Telemetry& t) {
  if (auto s = check_rate("cpu_usage", t.cpu_usage); !s) return s;
  if (auto s = check_rate("memory_usage", t.memory_usage); !s) return s;
  if (auto s = check_rate("error_rate", t.error_rate); !s) return s;
  if (auto s = check_task_count(t.task_count); !s) return s;
  if (auto s = check_rate("success_rate", t.success_rate); !s) return s;
  return check_uptime(t.uptime_ms);
}

Value to_value(const Telemetry& t) {
  Value v = Value::object();
  v.set("cpu_usage", t.cpu_usage);
  v.set("memory_usage", t.memory_usage);
  v.set("error_rate", t.error_rate);
  v.set("task_count", t.task_count);
  v.set("success_rate", t.success_rate);
  v.set("uptime_ms", t.uptime_ms);
  return v;
}

Features features(const Telemetry& t) {
  // ln(101): 100 tasks in flight saturate the load input.
  constexpr double kLn101 = 4.61512051684125945;
  double load = std::log1p(static_cast<double>(std::max<int64_t>(t.task_count, 0))) / kLn101;
  return {static_cast<float>(t.cpu_usage), static_cast<float>(t.memory_usage),
          static_cast<float>(t.error_rate), static_cast<float>(std::min(1.0, load)),
          static_cast<float>(t.success_rate)};
}

Label map_to_categorical(const Pad& pad) {
  const double p = pad.pleasure, a = pad.arousal, d = pad.dominance;
  if (p > 0.6 && a > 0.6) return Label::kJoy;
  if (p < 0.4 && a > 0.6) return Label::kFear;
  if (p < 0.4 && a < 0.4) return Label::kSadness;
  if (p > 0.6 && a < 0.4) return Label::kCalm;
  if (d > 0.7) return Label::kIntense;
  if (a < 0.3) return Label::kFatigued;
  return Label::kNeutral;
}

const char* label_name(Label label) {
  switch (label) {
    case Label::kJoy:
      return "JOY";
    case Label::kFear:
      return "FEAR";
    case Label::kSadness:
      return "SADNESS";
    case Label::kCalm:
      return "CALM";
    case Label::kIntense:
      return "INTENSE";
    case Label::kFatigued:
      return "FATIGUED";
    case Label::kNeutral:
      return "NEUTRAL";
  }
  return "NEUTRAL";
}

std::optional<Label> parse_label(std::string_view name) {
  for (Label l : {Label::kJoy, Label::kFear, Label::kSadness, Label::kCalm, Label::kIntense,
                  Label::kFatigued, Label::kNeutral})
    if (name == label_name(l)) return l;
  return std::nullopt;
}

double calculate_fatigue(const Telemetry& t) {
  // Same operations, same order as the seed's Python (double precision).
  double uptime_hours = t.uptime_ms / 3600000.0;
  double task_count = static_cast<double>(t.task_count);
  return std::min(1.0, (uptime_hours / 8.0) + t.error_rate + (task_count / 100.0));
}

bool should_offload(const Emotion& e) { return e.fatigue > 0.7 && e.pleasure < 0.2; }

bool can_receive_offload(const Emotion& e) {
  return e.fatigue <= 0.7 && e.label != Label::kFatigued;
}

Value to_value(const Emotion& e) {
  Value v = Value::object();
  v.set("pleasure", e.pleasure);
  v.set("arousal", e.arousal);
  v.set("dominance", e.dominance);
  v.set("label", label_name(e.label));
  v.set("fatigue", e.fatigue);
  return v;
}

Result<Emotion> emotion_from_value(const Value& v) {
  if (!v.is_object())
    return core::make_error(core::code::kInvalidArgument,
                            std::string("emotion must be a JSON object, got ") + v.kind_name(),
                            "emotion");
  Emotion e;
  for (const auto& [key, member] : v.as_object()) {
    double* target = nullptr;
    if (key == "pleasure")
      target = &e.pleasure;
    else if (key == "arousal")
      target = &e.arousal;
    else if (key == "dominance")
      target = &e.dominance;
    else if (key == "fatigue")
      target = &e.fatigue;
    if (target) {
      std::string field = "emotion." + key;
      if (!member.is_number() || member.as_double() < 0.0 || member.as_double() > 1.0)
        return core::make_error(core::code::kInvalidArgument, field + " must be a number in [0, 1]",
                                field);
      *target = member.as_double();
    } else if (key == "label") {
      std::optional<Label> l;
      if (member.is_string()) l = parse_label(member.as_string());
      if (!l)
        return core::make_error(core::code::kInvalidArgument,
                                "emotion.label must be one of JOY, FEAR, SADNESS, CALM, "
                                "INTENSE, FATIGUED, NEUTRAL",
                                "emotion.label");
      e.label = *l;
    } else {
      return core::make_error(core::code::kInvalidArgument, "unknown emotion field \"" + key + "\"",
                              "emotion." + key);
    }
  }
  return e;
}

Emotion appraise(const Model& model, const Telemetry& t) {
  Pad pad = model.infer(features(t));
  Emotion e;
  e.pleasure = pad.pleasure;
  e.arousal = pad.arousal;
  e.dominance = pad.dominance;
  e.label = map_to_categorical(pad);
  e.fatigue = calculate_fatigue(t);
  return e;
}

}  // namespace genesis::emotion
