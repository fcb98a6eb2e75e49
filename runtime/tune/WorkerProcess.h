// A child process that reports on a pipe: `hel tune` runs the benchmarking in one, because a
// GPU fault ends the CUDA context of the whole process and a hung kernel never returns.
// The child gets the pipe's write end as file descriptor kEventsFd.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace hel::tune {

constexpr int kEventsFd = 3;

class WorkerProcess {
 public:
  // Starts `argv` (argv[0] is the program's path); null, with why, where that failed.
  static std::unique_ptr<WorkerProcess> start(const std::vector<std::string>& argv, std::string* error);
  ~WorkerProcess();

  enum class Read { Line, Timeout, Closed };
  // The next line the child wrote (without its newline), waiting at most `timeout`;
  // Closed once the child has closed the pipe (it exited).
  Read readLine(std::string* line, std::chrono::milliseconds timeout);
  void kill();
  struct Exit {
    int status = 0;  // the exit status, when it exited
    int signal = 0;  // the signal that ended it, or 0
  };
  // Waits for the child to end.
  Exit wait();

 private:
  WorkerProcess(pid_t pid, int fd) : pid_(pid), fd_(fd) {}
  pid_t pid_;
  int fd_;
  std::string buffered_;
  bool waited_ = false;
};

}  // namespace hel::tune
