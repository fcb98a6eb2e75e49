// What a tuning worker process tells its supervisor (`hel tune`), one line per event on a
// pipe, and the journal of outcomes that a restarted worker replays: a worker that dies
// (a GPU fault kills its CUDA context) or hangs is started again, and goes through the same
// search without launching any candidate that already has an outcome.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hel::tune {

enum class Outcome {
  Ok,             // timed
  Slow,           // cut off after a few runs: clearly slower than the best so far
  Wrong,          // its outputs differ from the baseline's
  CompileFailed,  // lowering or code generation failed
  OverBudget,     // too many registers or too much shared memory: not tried
  Faulted,        // the launch faulted (the worker died, or the CPU backend reported it)
  Hung,           // the watchdog killed the worker
};

const char* outcomeName(Outcome outcome);
// Whether the candidate was launched (or meant to be): these count as tried.
bool launched(Outcome outcome);
// Whether it counts as a failure in the report.
bool failed(Outcome outcome);

struct Event {
  enum class Kind { Loop, Try, Result, Done };
  Kind kind = Kind::Result;
  std::string loopId;
  std::string config;  // Try, Result: configArguments()
  // Result
  Outcome outcome = Outcome::Ok;
  double ms = 0;
  std::string detail;  // why it failed
  // Loop: what is being tuned, for the progress line
  std::string title;
};

std::string encode(const Event& event);
std::optional<Event> decode(const std::string& line);

// The outcomes so far and the loops finished, from earlier workers of the same `hel tune`.
class Journal {
 public:
  void add(const Event& event);
  const Event* outcome(const std::string& loopId, const std::string& config) const;
  bool done(const std::string& loopId) const;
  const std::vector<Event>& events() const { return events_; }
  std::string text() const;
  static Journal parse(const std::string& text);

 private:
  std::vector<Event> events_;  // Result and Done events
};

}  // namespace hel::tune
