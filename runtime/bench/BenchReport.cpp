#include "runtime/bench/BenchReport.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

namespace hel::bench {
namespace {

using Json = nlohmann::ordered_json;

// The share of the copy bandwidth that `row` reached, in percent; nullopt where the
// machine's copy bandwidth is unknown (the CPU backend).
std::optional<double> percentOfCopy(const Report& report, const Row& row) {
  if (report.machine.copyBytesPerSecond <= 0) return std::nullopt;
  return 100.0 * gbPerSecond(row.cost.bytes, row.timing.medianMs) / (report.machine.copyBytesPerSecond / 1e9);
}

// TFLOP/s where the kernel has dots whose work is known.
std::optional<double> tflops(const Row& row) {
  if (!row.cost.flops || *row.cost.flops <= 0) return std::nullopt;
  return tflopPerSecond(*row.cost.flops, row.timing.medianMs);
}

// The share of the device's peak dot throughput for the row's operands, in percent;
// nullopt without known FLOPs or a known peak.
std::optional<double> percentOfPeakFlops(const Report& report, const Row& row) {
  std::optional<double> rate = tflops(row);
  if (!rate || !row.cost.dotInput) return std::nullopt;
  DType input = *row.cost.dotInput;
  double peak = input == DType::Float16 || input == DType::BFloat16 ? report.machine.peakHalfFlops
                : input == DType::Float32                          ? report.machine.peakFloatFlops
                                                                    : 0;
  if (peak <= 0) return std::nullopt;
  return 100.0 * *rate * 1e12 / peak;
}

std::string heading(const Report& report) {
  const Machine& m = report.machine;
  std::string timed = fmt::format("median of {} ms of runs after {} ms of warm-up", report.settings.repMs,
                                  report.settings.warmupMs);
  if (!m.gpu)
    return fmt::format("hel bench {}: on the CPU backend, wall clock, {} (CPU times, not a GPU's)\n", report.script,
                       timed);
  std::string copy = fmt::format("copy bandwidth {:.0f} GB/s ({})", m.copyBytesPerSecond / 1e9,
                                 m.copyFromCache ? "measured earlier, cached" : "measured now");
  return fmt::format("hel bench {}: {} ({}, CUDA driver {}), {}\nCUDA events, L2 flushed before each run, {}\n",
                     report.script, m.name, m.arch, m.driverVersion, copy, timed);
}

}  // namespace

double gbPerSecond(double bytes, double ms) { return ms > 0 ? bytes / (ms * 1e-3) / 1e9 : 0; }

double tflopPerSecond(double flops, double ms) { return ms > 0 ? flops / (ms * 1e-3) / 1e12 : 0; }

std::string argumentsText(const Row& row) {
  std::string text;
  for (const TensorArg& tensor : row.tensors)
    text += fmt::format("{}{}={}[{}]", text.empty() ? "" : ", ", tensor.name, tensor.dtype, fmt::join(tensor.shape, ","));
  return text;
}

std::string formatTable(const Report& report) {
  std::string out = heading(report);
  if (report.rows.empty()) return out + "no kernel was launched\n";
  std::vector<std::vector<std::string>> cells = {
      {"kernel", "line", "arguments", "config", "ms", "GB/s", "% copy", "TFLOP/s", "% peak", "runs"}};
  for (const Row& row : report.rows) {
    auto optional = [](std::optional<double> value, const char* format) {
      return value ? fmt::format(fmt::runtime(format), *value) : std::string("-");
    };
    cells.push_back({row.kernel, std::to_string(row.line), argumentsText(row), row.config,
                     fmt::format("{:.4f}", row.timing.medianMs),
                     fmt::format("{:.1f}", gbPerSecond(row.cost.bytes, row.timing.medianMs)),
                     optional(percentOfCopy(report, row), "{:.1f}"), optional(tflops(row), "{:.2f}"),
                     optional(percentOfPeakFlops(report, row), "{:.1f}"), std::to_string(row.timing.reps)});
  }
  // Text columns (kernel, arguments, config) to the left, numbers to the right.
  const std::vector<bool> leftAligned = {true, false, true, true, false, false, false, false, false, false};
  std::vector<size_t> widths(leftAligned.size(), 0);
  for (const auto& line : cells)
    for (size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  for (const auto& line : cells) {
    std::string text;
    for (size_t i = 0; i < line.size(); ++i) {
      if (i) text += "  ";
      text += leftAligned[i] ? fmt::format("{:<{}}", line[i], widths[i]) : fmt::format("{:>{}}", line[i], widths[i]);
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out += text + "\n";
  }
  return out;
}

std::string toJson(const Report& report) {
  const Machine& m = report.machine;
  auto orNull = [](std::optional<double> value) { return value ? Json(*value) : Json(nullptr); };
  auto positiveOrNull = [](double value) { return value > 0 ? Json(value / 1e9) : Json(nullptr); };
  Json device = {{"backend", m.gpu ? "cuda" : "cpu"}};
  if (m.gpu) {
    device["name"] = m.name;
    device["arch"] = m.arch;
    device["driver_version"] = m.driverVersion;
  }
  device["copy_gb_per_s"] = positiveOrNull(m.copyBytesPerSecond);
  device["copy_gb_per_s_cached"] = m.copyFromCache;
  device["nominal_gb_per_s"] = positiveOrNull(m.nominalBytesPerSecond);

  Json kernels = Json::array();
  for (const Row& row : report.rows) {
    Json tensors = Json::array();
    for (const TensorArg& tensor : row.tensors)
      tensors.push_back({{"name", tensor.name}, {"dtype", tensor.dtype}, {"shape", tensor.shape}});
    kernels.push_back({{"kernel", row.kernel},
                       {"line", row.line},
                       {"arguments", tensors},
                       {"config", row.config},
                       {"median_ms", row.timing.medianMs},
                       {"min_ms", row.timing.minMs},
                       {"max_ms", row.timing.maxMs},
                       {"runs", row.timing.reps},
                       {"warmup_runs", row.timing.warmups},
                       {"bytes", std::llround(row.cost.bytes)},
                       {"gb_per_s", gbPerSecond(row.cost.bytes, row.timing.medianMs)},
                       {"percent_of_copy", orNull(percentOfCopy(report, row))},
                       {"flops", row.cost.flops ? Json(std::llround(*row.cost.flops)) : Json(nullptr)},
                       {"tflop_per_s", orNull(tflops(row))},
                       {"percent_of_peak_flops", orNull(percentOfPeakFlops(report, row))}});
  }
  Json json = {{"hel_version", report.helVersion},
               {"script", report.script},
               {"device", device},
               {"timing",
                {{"clock", m.gpu ? "cuda_events" : "wall_clock"},
                 {"l2_flush", m.gpu},
                 {"warmup_ms", report.settings.warmupMs},
                 {"rep_ms", report.settings.repMs},
                 {"statistic", "median"}}},
               {"kernels", kernels}};
  return json.dump(2) + "\n";
}

}  // namespace hel::bench
