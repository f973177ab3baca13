import Foundation
import Synchronization

/// A value computed on another thread (or given ready), for the thread that started it to collect.
public final class Background<Value: Sendable>: @unchecked Sendable {
    private let group = DispatchGroup()
    private let finished = Atomic<Bool>(false)
    /// Written once, by the computing thread before `finished` is set; read only after `group.wait()`.
    private var value: Value?

    public init(ready: Value) {
        value = ready
        finished.store(true, ordering: .releasing)
    }

    public init(computing work: @escaping @Sendable () -> Value) {
        group.enter()
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            value = work()
            finished.store(true, ordering: .releasing)
            group.leave()
        }
    }

    public var isFinished: Bool { finished.load(ordering: .acquiring) }

    /// Waits for the value.
    public func result() -> Value {
        group.wait()
        return value!
    }
}
