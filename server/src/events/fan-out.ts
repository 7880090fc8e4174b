// One sink that hands each event to several (the stream, metrics, Kubernetes Events). A sink
// that throws does not keep the event from the others, nor reach the emitting call.
import type { EventSink } from "./attachment-event.js";

export function fanOut(sinks: readonly EventSink[]): EventSink {
  return {
    emit(event) {
      for (const sink of sinks) {
        try {
          sink.emit(event);
        } catch {
          // Sinks must not throw; one that does loses only its own copy.
        }
      }
    },
  };
}
