#pragma once

#include <csignal>

namespace byok {

// Blocks SIGTERM and SIGINT in the calling thread and every thread it starts afterwards, so
// that WaitForTerminationSignal() can take them synchronously. Call first thing in main().
void BlockTerminationSignals();
// Returns the signal number once SIGTERM or SIGINT arrives.
int WaitForTerminationSignal();

}  // namespace byok
