// `genesis emotion ...`: offline tools for the PAD model.
//   emotion train DATA.csv -o model.bin   fit weights to an appraisal dataset
//   emotion infer [TELEMETRY_JSON]         appraise one heartbeat (stdin when omitted)
//   emotion check MODEL.bin                validate a weights file
// and, on the agent family (via genesisd):
//   agent emotion ID                       PAD, label, fatigue, offload state, history
//   agent heartbeat ID [TELEMETRY_JSON]    send one heartbeat (stdin when omitted)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "apps/genesis/api.h"
#include "apps/genesis/commands.h"
#include "core/value.h"
#include "emotion/emotion.h"

namespace genesis::cli {

namespace {

bool read_all(const std::string& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), {});
  return true;
}

core::Value report_value(const emotion::TrainReport& r, size_t rows, const std::string& out,
                         size_t bytes) {
  core::Value v = core::Value::object();
  v.set("rows", static_cast<int64_t>(rows));
  v.set("epochs", r.epochs);
  v.set("mse", r.mse);
  v.set("mae", r.mae);
  v.set("output", out);
  v.set("bytes", static_cast<int64_t>(bytes));
  return v;
}

std::string pad_text(const core::Value& e) {
  auto num = [&](const char* k) {
    const core::Value* x = e.find(k);
    return x && x->is_number() ? x->as_double() : 0.0;
  };
  const core::Value* label = e.find("label");
  char buf[160];
  std::snprintf(buf, sizeof buf, "%-8s p=%.3f a=%.3f d=%.3f fatigue=%.3f",
                label && label->is_string() ? label->as_string().c_str() : "?", num("pleasure"),
                num("arousal"), num("dominance"), num("fatigue"));
  return buf;
}

void add_agent_emotion_commands(CLI::App& app, Context& ctx) {
  // The agent family is added by add_agent_commands; attach to it (or create it
  // when this family is used alone).
  CLI::App* agent = nullptr;
  for (CLI::App* sub : app.get_subcommands([](CLI::App* a) { return a->get_name() == "agent"; }))
    agent = sub;
  if (!agent) agent = app.add_subcommand("agent", "agents");

  auto id = std::make_shared<std::string>();
  auto* show = agent->add_subcommand("emotion", "show an agent's emotion, fatigue and history");
  show->add_option("id", *id, "agent id")->required();
  show->callback([&ctx, id] {
    auto v = call(ctx, "GET", "/v1/agents/" + client::url_encode(*id) + "/emotion");
    if (!v) return;
    if (ctx.json) {
      std::cout << core::to_json(*v, true) << "\n";
      return;
    }
    const core::Value* e = v->find("emotion");
    const core::Value* off = v->find("should_offload");
    std::cout << "agent:    " << *id << "\n"
              << "emotion:  " << (e ? pad_text(*e) : "-") << "\n"
              << "offload:  " << (off && off->is_bool() && off->as_bool() ? "yes" : "no")
              << " (fatigue > 0.7 and pleasure < 0.2)\n";
    const core::Value* h = v->find("history");
    if (h && h->is_array() && !h->as_array().empty()) {
      std::cout << "history (oldest first):\n";
      for (const core::Value& r : h->as_array()) {
        const core::Value* ts = r.find("ts");
        std::cout << "  " << (ts && ts->is_string() ? ts->as_string() : "") << "  " << pad_text(r)
                  << "\n";
      }
    } else {
      std::cout << "history:  none since genesisd started\n";
    }
  });

  struct BeatArgs {
    std::string id, telemetry;
  };
  auto beat = std::make_shared<BeatArgs>();
  auto* hb = agent->add_subcommand("heartbeat", "send one heartbeat's telemetry for an agent");
  hb->add_option("id", beat->id, "agent id")->required();
  hb->add_option("telemetry", beat->telemetry, "telemetry JSON (read from stdin when omitted)");
  hb->callback([&ctx, beat] {
    std::string body = beat->telemetry;
    if (body.empty()) body.assign(std::istreambuf_iterator<char>(std::cin), {});
    auto v = call(ctx, "POST", "/v1/agents/" + client::url_encode(beat->id) + "/heartbeat", body);
    if (!v) return;
    if (ctx.json) {
      std::cout << core::to_json(*v) << "\n";
      return;
    }
    const core::Value* e = v->find("emotion");
    std::cout << (e ? pad_text(*e) : "-") << "\n";
    const core::Value* off = v->find("offload");
    if (off && off->is_object()) {
      const core::Value* to = off->find("to");
      const core::Value* goals = off->find("goals");
      std::cout << "offloaded " << (goals && goals->is_array() ? goals->as_array().size() : 0)
                << " goal(s) to " << (to && to->is_string() ? to->as_string() : "?") << "\n";
    }
  });
}

}  // namespace

void add_emotion_commands(CLI::App& app, Context& ctx) {
  add_agent_emotion_commands(app, ctx);

  auto* emotion = app.add_subcommand("emotion", "PAD emotion model: train, infer, check");
  emotion->require_subcommand(1);

  // train
  struct TrainArgs {
    std::string data, output, model;
    emotion::TrainOptions options;
  };
  auto train_args = std::make_shared<TrainArgs>();
  auto* train = emotion->add_subcommand("train", "fit the PAD model to an appraisal dataset CSV");
  train->add_option("data", train_args->data, "dataset CSV (see docs/emotion.md)")->required();
  train->add_option("-o,--output", train_args->output, "weights file to write")->required();
  train->add_option("--hidden", train_args->options.hidden, "hidden units (1..56)")
      ->capture_default_str();
  train->add_option("--epochs", train_args->options.epochs)->capture_default_str();
  train->add_option("--batch", train_args->options.batch_size)->capture_default_str();
  train->add_option("--lr", train_args->options.learning_rate, "Adam step size")
      ->capture_default_str();
  train->add_option("--seed", train_args->options.seed)->capture_default_str();
  train->callback([&ctx, train_args] {
    std::string text;
    if (!read_all(train_args->data, text)) {
      std::cerr << "error: cannot read " << train_args->data << "\n";
      ctx.exit_code = 1;
      return;
    }
    auto data = emotion::parse_dataset_csv(text);
    if (!data) {
      std::cerr << "error: " << train_args->data << ": " << data.error().to_string() << "\n";
      ctx.exit_code = 1;
      return;
    }
    emotion::TrainReport report;
    auto model = emotion::train(*data, train_args->options, &report);
    if (!model) {
      std::cerr << "error: " << model.error().to_string() << "\n";
      ctx.exit_code = 1;
      return;
    }
    if (auto s = model->save(train_args->output); !s) {
      std::cerr << "error: " << s.error().to_string() << "\n";
      ctx.exit_code = 1;
      return;
    }
    size_t bytes = model->encode().size();
    if (ctx.json) {
      std::cout << core::to_json(report_value(report, data->size(), train_args->output, bytes))
                << "\n";
    } else {
      std::cout << "trained on " << data->size() << " rows, " << report.epochs << " epochs: mse "
                << report.mse << ", mae " << report.mae << "\nwrote " << train_args->output << " ("
                << bytes << " bytes)\n";
    }
  });

  // infer
  struct InferArgs {
    std::string telemetry, model;
  };
  auto infer_args = std::make_shared<InferArgs>();
  auto* infer = emotion->add_subcommand("infer", "appraise one heartbeat's telemetry JSON");
  infer->add_option("telemetry", infer_args->telemetry,
                    "telemetry JSON object (read from stdin when omitted)");
  infer->add_option("--model", infer_args->model, "weights file (default: the shipped model)");
  infer->callback([&ctx, infer_args] {
    std::string text = infer_args->telemetry;
    if (text.empty()) text.assign(std::istreambuf_iterator<char>(std::cin), {});
    auto json = core::parse_json(text);
    if (!json) {
      std::cerr << "error: telemetry: " << json.error().to_string() << "\n";
      ctx.exit_code = 2;
      return;
    }
    auto telemetry = emotion::parse_telemetry(*json);
    if (!telemetry) {
      std::cerr << "error: " << telemetry.error().to_string() << "\n";
      ctx.exit_code = 2;
      return;
    }
    const emotion::Model* model = &emotion::Model::shipped();
    std::optional<emotion::Model> loaded;
    if (!infer_args->model.empty()) {
      auto m = emotion::Model::load(infer_args->model);
      if (!m) {
        std::cerr << "error: " << m.error().to_string() << "\n";
        ctx.exit_code = 1;
        return;
      }
      loaded = std::move(*m);
      model = &*loaded;
    }
    emotion::Emotion e = emotion::appraise(*model, *telemetry);
    core::Value v = emotion::to_value(e);
    v.set("offload", emotion::should_offload(e));
    if (ctx.json) {
      std::cout << core::to_json(v) << "\n";
    } else {
      std::cout << "pleasure " << e.pleasure << "  arousal " << e.arousal << "  dominance "
                << e.dominance << "\nlabel " << emotion::label_name(e.label) << "  fatigue "
                << e.fatigue << (emotion::should_offload(e) ? "  (would offload)" : "") << "\n";
    }
  });

  // check
  auto check_path = std::make_shared<std::string>();
  auto* check = emotion->add_subcommand("check", "validate a weights file");
  check->add_option("model", *check_path, "weights file")->required();
  check->callback([&ctx, check_path] {
    auto m = emotion::Model::load(*check_path);
    if (!m) {
      std::cerr << "error: " << m.error().to_string() << "\n";
      ctx.exit_code = 1;
      return;
    }
    size_t bytes = m->encode().size();
    if (ctx.json) {
      core::Value v = core::Value::object();
      v.set("ok", true);
      v.set("hidden", m->hidden());
      v.set("bytes", static_cast<int64_t>(bytes));
      std::cout << core::to_json(v) << "\n";
    } else {
      std::cout << *check_path << ": ok, 5-" << m->hidden() << "-3 network, " << bytes
                << " bytes\n";
    }
  });
}

}  // namespace genesis::cli
