// The appraisal dataset reader and the trainer (mini-batch Adam on MSE).
#include <charconv>
#include <cmath>
#include <random>
#include <string>

#include "emotion/emotion.h"

namespace genesis::emotion {

using core::Result;

namespace {

constexpr const char* kColumns[] = {"cpu_usage",    "memory_usage", "error_rate", "task_count",
                                    "success_rate", "pleasure",     "arousal",    "dominance"};
constexpr int kColumnCount = 8;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

core::Error csv_error(size_t line, std::string message) {
  return core::make_error(core::code::kInvalidArgument, std::move(message),
                          "line " + std::to_string(line));
}

bool parse_double(std::string_view s, double& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && std::isfinite(out);
}

}  // namespace

Result<std::vector<Sample>> parse_dataset_csv(std::string_view text) {
  std::vector<Sample> out;
  size_t line_no = 0;
  bool header_seen = false;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string_view cells[kColumnCount];
    int n = 0;
    while (true) {
      size_t comma = line.find(',');
      if (n == kColumnCount) return csv_error(line_no, "more than 8 columns");
      cells[n++] = trim(line.substr(0, comma));
      if (comma == std::string_view::npos) break;
      line.remove_prefix(comma + 1);
    }
    if (n != kColumnCount)
      return csv_error(line_no, "expected 8 columns, found " + std::to_string(n));
    if (!header_seen) {
      for (int i = 0; i < kColumnCount; ++i)
        if (cells[i] != kColumns[i])
          return csv_error(line_no, "header column " + std::to_string(i + 1) + " is \"" +
                                        std::string(cells[i]) + "\", expected \"" + kColumns[i] +
                                        "\"");
      header_seen = true;
      continue;
    }
    double v[kColumnCount];
    for (int i = 0; i < kColumnCount; ++i)
      if (!parse_double(cells[i], v[i]))
        return csv_error(line_no, std::string(kColumns[i]) + " is not a number: \"" +
                                      std::string(cells[i]) + "\"");
    if (v[3] != std::floor(v[3]) || v[3] < 0 || v[3] > 1e12)
      return csv_error(line_no, "task_count must be an integer >= 0");
    Telemetry t;
    t.cpu_usage = v[0];
    t.memory_usage = v[1];
    t.error_rate = v[2];
    t.task_count = static_cast<int64_t>(v[3]);
    t.success_rate = v[4];
    if (auto s = validate(t); !s) return csv_error(line_no, s.error().message);
    Sample sample;
    sample.x = features(t);
    for (int k = 0; k < kOutputs; ++k) {
      if (v[5 + k] < 0.0 || v[5 + k] > 1.0)
        return csv_error(line_no, std::string(kColumns[5 + k]) + " must be in [0, 1]");
      sample.y[k] = static_cast<float>(v[5 + k]);
    }
    out.push_back(sample);
  }
  if (!header_seen) return csv_error(line_no, "missing header line");
  return out;
}

TrainReport evaluate(const Model& model, const std::vector<Sample>& data) {
  TrainReport r;
  if (data.empty()) return r;
  double se = 0, ae = 0;
  for (const Sample& s : data) {
    float o[kOutputs];
    model.infer(s.x, o);
    for (int k = 0; k < kOutputs; ++k) {
      double d = static_cast<double>(o[k]) - s.y[k];
      se += d * d;
      ae += std::fabs(d);
    }
  }
  double n = static_cast<double>(data.size()) * kOutputs;
  r.mse = se / n;
  r.mae = ae / n;
  return r;
}

Result<Model> train(const std::vector<Sample>& data, const TrainOptions& o, TrainReport* report) {
  if (data.empty())
    return core::make_error(core::code::kInvalidArgument, "training dataset is empty");
  if (o.epochs < 1 || o.epochs > 1000000)
    return core::make_error(core::code::kInvalidArgument, "epochs must be in [1, 1000000]",
                            "epochs");
  if (o.batch_size < 1)
    return core::make_error(core::code::kInvalidArgument, "batch size must be >= 1", "batch_size");
  if (!(o.learning_rate > 0.0f) || !(o.learning_rate < 1.0f))
    return core::make_error(core::code::kInvalidArgument, "learning rate must be in (0, 1)",
                            "learning_rate");
  auto init = Model::random(o.hidden, o.seed);
  if (!init) return init.error();
  Model model = std::move(*init);

  const int h = model.hidden();
  std::vector<float>& p = model.parameters();
  const size_t np = p.size();
  float* w1 = p.data();
  float* b1 = w1 + kInputs * h;
  float* w2 = b1 + h;
  float* b2 = w2 + kOutputs * h;

  std::vector<double> grad(np), m(np, 0.0), v(np, 0.0);
  double* gw1 = grad.data();
  double* gb1 = gw1 + kInputs * h;
  double* gw2 = gb1 + h;
  double* gb2 = gw2 + kOutputs * h;

  std::vector<size_t> order(data.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::mt19937_64 rng(o.seed ^ 0x9E3779B97F4A7C15ull);

  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  int64_t step = 0;
  std::vector<float> z(h), a(h);
  std::vector<double> dz(h);

  for (int epoch = 0; epoch < o.epochs; ++epoch) {
    // Fisher–Yates with our own index draw, so the order does not depend on
    // the standard library's shuffle.
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
    // Linear decay to 10% of the step size over the run.
    const double lr = o.learning_rate * (1.0 - 0.9 * epoch / static_cast<double>(o.epochs));

    for (size_t start = 0; start < order.size(); start += static_cast<size_t>(o.batch_size)) {
      const size_t end = std::min(order.size(), start + static_cast<size_t>(o.batch_size));
      const double scale = 2.0 / (static_cast<double>(end - start) * kOutputs);
      std::fill(grad.begin(), grad.end(), 0.0);
      for (size_t bi = start; bi < end; ++bi) {
        const Sample& s = data[order[bi]];
        for (int j = 0; j < h; ++j) {
          float acc = b1[j];
          for (int i = 0; i < kInputs; ++i) acc += w1[i * h + j] * s.x[i];
          z[j] = acc;
          a[j] = acc > 0.0f ? acc : 0.0f;
        }
        std::fill(dz.begin(), dz.end(), 0.0);
        for (int k = 0; k < kOutputs; ++k) {
          double acc = b2[k];
          for (int j = 0; j < h; ++j) acc += static_cast<double>(w2[k * h + j]) * a[j];
          double y = 1.0 / (1.0 + std::exp(-acc));
          double d2 = scale * (y - s.y[k]) * y * (1.0 - y);
          gb2[k] += d2;
          for (int j = 0; j < h; ++j) {
            gw2[k * h + j] += d2 * a[j];
            dz[j] += d2 * w2[k * h + j];
          }
        }
        for (int j = 0; j < h; ++j) {
          if (z[j] <= 0.0f) continue;
          gb1[j] += dz[j];
          for (int i = 0; i < kInputs; ++i) gw1[i * h + j] += dz[j] * s.x[i];
        }
      }
      ++step;
      const double c1 = 1.0 - std::pow(beta1, static_cast<double>(step));
      const double c2 = 1.0 - std::pow(beta2, static_cast<double>(step));
      for (size_t i = 0; i < np; ++i) {
        m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
        v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
        p[i] -= static_cast<float>(lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps));
      }
    }
  }
  if (report) {
    *report = evaluate(model, data);
    report->epochs = o.epochs;
  }
  return model;
}

}  // namespace genesis::emotion
