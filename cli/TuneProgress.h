// The progress of a `hel tune`, on stderr: on a terminal one line redrawn in place, else a
// line per device loop, per new best time and per failure (verbose: per candidate, with
// the seconds since the start). Its workers (one per GPU with --devices) report from
// threads of their own; with several, each line names its worker.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "runtime/tune/WorkerEvents.h"

namespace hel::cli {

class TuneProgress {
 public:
  using Clock = std::chrono::steady_clock;
  TuneProgress(Clock::time_point start, bool nameWorkers, bool verbose = false);

  void loop(const std::string& worker, const tune::Event& event);
  void result(const std::string& worker, const tune::Event& event);
  void restarted(const std::string& worker, const std::string& why);
  void finish();

 private:
  struct Worker {
    std::string title;  // the device loop being tuned
    std::optional<double> bestMs;
  };
  std::string prefix(const std::string& worker) const;
  double elapsedSeconds() const;
  void draw();
  void clear();

  std::mutex mutex_;
  Clock::time_point start_;
  bool terminal_;
  bool nameWorkers_;
  bool verbose_;
  std::map<std::string, Worker> workers_;
  std::string last_;  // the worker that reported last, whose loop the line shows
  int tried_ = 0, failures_ = 0;
};

}  // namespace hel::cli
