#include "cli/TuneProgress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <iostream>

namespace hel::cli {

TuneProgress::TuneProgress(Clock::time_point start, bool nameWorkers, bool verbose)
    : start_(start), terminal_(isatty(STDERR_FILENO) && !verbose), nameWorkers_(nameWorkers), verbose_(verbose) {}

double TuneProgress::elapsedSeconds() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

std::string TuneProgress::prefix(const std::string& worker) const { return nameWorkers_ ? "[" + worker + "] " : ""; }

void TuneProgress::loop(const std::string& worker, const tune::Event& event) {
  std::lock_guard<std::mutex> hold(mutex_);
  workers_[worker] = {event.title, std::nullopt};
  last_ = worker;
  if (verbose_) std::cerr << prefix(worker) << fmt::format("[{:.1f} s] ", elapsedSeconds());
  if (!terminal_) std::cerr << prefix(worker) << "tuning " << event.title << "\n";
  draw();
}

void TuneProgress::result(const std::string& worker, const tune::Event& event) {
  std::lock_guard<std::mutex> hold(mutex_);
  Worker& state = workers_[worker];
  last_ = worker;
  if (tune::launched(event.outcome)) ++tried_;
  if (tune::failed(event.outcome)) ++failures_;
  if (verbose_)
    std::cerr << prefix(worker)
              << fmt::format("  [{:.1f} s] {} {:.4f} ms: {}\n", elapsedSeconds(), tune::outcomeName(event.outcome),
                             event.ms, event.config);
  if (event.outcome == tune::Outcome::Ok && (!state.bestMs || event.ms < *state.bestMs)) {
    state.bestMs = event.ms;
    if (!terminal_) std::cerr << prefix(worker) << fmt::format("  best so far {:.4f} ms: {}\n", event.ms, event.config);
  }
  if (tune::failed(event.outcome) && !terminal_)
    std::cerr << prefix(worker) << fmt::format("  failed ({}): {}\n", tune::outcomeName(event.outcome), event.config);
  draw();
}

void TuneProgress::restarted(const std::string& worker, const std::string& why) {
  std::lock_guard<std::mutex> hold(mutex_);
  clear();
  std::cerr << "hel tune: " << prefix(worker) << why << "; starting a new worker\n";
  draw();
}

void TuneProgress::finish() {
  std::lock_guard<std::mutex> hold(mutex_);
  clear();
}

void TuneProgress::draw() {
  if (!terminal_) return;
  double elapsed = elapsedSeconds();
  const Worker& shown = workers_[last_];
  std::string line = fmt::format("{}{} | {} tried, {} failed, best {} | {:.1f} s", prefix(last_), shown.title, tried_,
                                 failures_, shown.bestMs ? fmt::format("{:.4f} ms", *shown.bestMs) : "-", elapsed);
  if (line.size() > 118) line = line.substr(0, 115) + "...";
  std::cerr << "\r\033[K" << line << std::flush;
}

void TuneProgress::clear() {
  if (terminal_) std::cerr << "\r\033[K" << std::flush;
}

}  // namespace hel::cli
