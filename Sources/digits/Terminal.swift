import Foundation
import Synchronization

/// Ctrl-C during training: the first asks training to stop after the current mini-batch; a second one
/// (the handler puts the default back) ends the process at once.
final class Interrupt: Sendable {
    private static let flag = Atomic<Bool>(false)

    var requested: Bool { Self.flag.load(ordering: .relaxed) }

    static func install() -> Interrupt {
        flag.store(false, ordering: .relaxed)
        signal(SIGINT) { _ in
            Interrupt.flag.store(true, ordering: .relaxed)
            signal(SIGINT, SIG_DFL)
        }
        // A parent may have started us with SIGINT blocked (some process launchers do); unblock it, or the
        // handler would never run.
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
        return Interrupt()
    }

    func uninstall() {
        signal(SIGINT, SIG_DFL)
    }
}

/// A one-line progress bar with rate and time left, drawn on standard error only when it is a terminal.
struct ProgressBar {
    private let enabled = isatty(STDERR_FILENO) == 1
    private var lastDraw = Date.distantPast
    private var start = Date()
    private var doneAtStart = 0
    private var label = ""
    private var shown = false

    mutating func update(label: String, done: Int, total: Int) {
        guard enabled else { return }
        let now = Date()
        if label != self.label {
            // The rate is measured from the first report of each label, not from its (unseen) start.
            (self.label, start, doneAtStart, lastDraw) = (label, now, done, now)
            return
        }
        guard now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let width = 30
        let filled = total == 0 ? width : width * done / total
        let rate = Double(done - doneAtStart) / max(now.timeIntervalSince(start), 1e-6)
        let remaining = rate > 0 ? Double(total - done) / rate : 0
        let bar = String(repeating: "=", count: filled) + String(repeating: " ", count: width - filled)
        let line = "\(label) [\(bar)] \(grouped(done))/\(grouped(total)) \(grouped(Int(rate))) images/s, "
            + String(format: "%.1f s left", remaining)
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        shown = true
    }

    mutating func clear() {
        guard shown else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        shown = false
    }
}

/// 0.9512 → "95.12%".
func percent(_ fraction: Double) -> String {
    String(format: "%.2f%%", fraction * 100)
}

/// 50000 → "50,000".
func grouped(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
        out.append(c)
    }
    return (value < 0 ? "-" : "") + out
}

/// Right-aligns `text` in `width` columns.
func pad(_ text: String, _ width: Int) -> String {
    String(repeating: " ", count: max(0, width - text.count)) + text
}
