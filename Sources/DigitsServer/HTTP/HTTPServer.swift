import Dispatch
import Foundation

// A small HTTP/1.1 server for a hostile network: one thread waits on every socket with poll(2), reads what has
// come, frames requests with HTTPRequestReader's limits and writes answers; the handler runs on a pool as wide as
// the machine. Each connection is in one phase at a time, with a deadline:
//
//   idle (no byte of a request yet)  --idleTimeout-->  closed quietly
//   head (some bytes, no blank line) --headTimeout-->  408, closed
//   body                             --bodyTimeout-->  408, closed
//   handling (the handler has it)        no deadline: the handler is ours, and bounded
//   writing                          --writeTimeout--> closed
//   lingering (answered, closing)    --2 s-->          closed
//
// A connection that closes after its answer first shuts its sending side and reads what the client still sends
// for a moment: closing a socket with unread bytes makes the kernel send a reset, which can destroy the answer
// before the client reads it.
// A client that sends more than the limits allow gets its 4xx as soon as that is known; a request that cannot be
// framed closes its connection after the answer. When the process runs out of descriptors, accepting pauses for a
// moment and the connections already open go on; the listener never gives up.

/// Answers requests on one listening socket until stopped.
final class HTTPServer: @unchecked Sendable {
    typealias Handler = @Sendable (HTTPRequest) -> HTTPResponse

    /// The port the server listens on (the one the kernel chose, for port 0).
    let port: UInt16
    private let listener: Int32
    private let limits: HTTPLimits
    private let handler: Handler
    /// Connections open at once: the configured number, held below the process's limit on open files.
    private let connectionLimit: Int

    // Shared with the handlers' threads and `stop()`: guarded by `lock`.
    private let lock = NSLock()
    private var finished: [(fd: Int32, id: UInt64, response: HTTPResponse)] = []
    private var stopping = false
    /// Written to wake the loop from poll(2): a handler finished, or stop() was called.
    private let wake: (read: Int32, write: Int32)

    // The loop's own state.
    private var connections: [Int32: Connection] = [:]
    private var nextID: UInt64 = 0
    private var acceptPausedUntil: Double = 0
    private var readBuffer = [UInt8](repeating: 0, count: 64 << 10)
    private let pool: OperationQueue

    /// Binds `host` (an IPv4 address) and `port` and starts listening; throws when that is not possible.
    init(host: String, port: UInt16, limits: HTTPLimits, handler: @escaping Handler) throws {
        self.limits = limits
        self.handler = handler
        var fileLimit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &fileLimit)
        // Room is kept for the listener, the wake pipe, files the handlers open and the process's own.
        let available = fileLimit.rlim_cur > 1 << 30 ? Int.max : Int(fileLimit.rlim_cur) - 64
        connectionLimit = max(1, min(limits.connections, available))

        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0 else { throw HTTPServerError.system("socket", errno) }
        var on: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            close(listener)
            throw HTTPServerError.badAddress(host)
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listener, 1_024) == 0 else {
            let error = errno
            close(listener)
            throw HTTPServerError.system("bind", error)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listener, $0, &length) }
        }
        self.listener = listener
        self.port = UInt16(bigEndian: address.sin_port)
        Self.setNonBlocking(listener)

        var pipeEnds: [Int32] = [0, 0]
        guard pipe(&pipeEnds) == 0 else {
            close(listener)
            throw HTTPServerError.system("pipe", errno)
        }
        wake = (pipeEnds[0], pipeEnds[1])
        Self.setNonBlocking(wake.read)
        Self.setNonBlocking(wake.write)

        pool = OperationQueue()
        pool.maxConcurrentOperationCount = ProcessInfo.processInfo.activeProcessorCount
    }

    /// Runs the loop on the calling thread until `stop()`; then closes every connection and the listener. Call
    /// it once.
    func serve() {
        while !isStopping {
            loopOnce()
        }
        for fd in connections.keys { close(fd) }
        connections.removeAll()
        close(listener)
        // A handler still running would write to the wake pipe: its descriptors close only after the last one.
        pool.waitUntilAllOperationsAreFinished()
        close(wake.read)
        close(wake.write)
    }

    func stop() {
        lock.withLock { stopping = true }
        signalLoop()
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func signalLoop() {
        var byte: UInt8 = 1
        _ = write(wake.write, &byte, 1)
    }

    // MARK: The loop

    private func loopOnce() {
        let now = Self.now()
        let accepting = connections.count < connectionLimit && now >= acceptPausedUntil
        var fds = [pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
        if accepting { fds.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0)) }
        var nextDeadline = now + 1
        if !accepting && connections.count < connectionLimit { nextDeadline = min(nextDeadline, acceptPausedUntil) }
        for (fd, connection) in connections {
            var events: Int16 = 0
            if connection.wantsToRead { events |= Int16(POLLIN) }
            if connection.hasOutput { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: fd, events: events, revents: 0))
            if let deadline = connection.deadline { nextDeadline = min(nextDeadline, deadline) }
        }
        let timeout = Int32(max(0, min(1_000, (nextDeadline - now) * 1_000)).rounded(.up))
        let ready = poll(&fds, nfds_t(fds.count), timeout)
        if ready < 0 && errno != EINTR { usleep(10_000) }

        for entry in fds where entry.revents != 0 {
            if entry.fd == wake.read {
                var sink = [UInt8](repeating: 0, count: 256)
                while read(wake.read, &sink, sink.count) > 0 {}
                takeFinished()
            } else if entry.fd == listener {
                acceptConnections()
            } else if let connection = connections[entry.fd] {
                if entry.revents & Int16(POLLOUT) != 0 { flush(connection) }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0, connections[entry.fd] === connection {
                    receive(connection)
                }
            }
        }
        expireDeadlines(Self.now())
    }

    private func acceptConnections() {
        while connections.count < connectionLimit {
            let fd = accept(listener, nil, nil)
            if fd < 0 {
                switch errno {
                case EAGAIN, EWOULDBLOCK, EINTR, ECONNABORTED:
                    return
                default:
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: out of descriptors or memory for now. The pending
                    // connections wait in the kernel's queue; accepting starts again in a moment.
                    acceptPausedUntil = Self.now() + 0.1
                    return
                }
            }
            Self.setNonBlocking(fd)
            var on: Int32 = 1
            // Answers go out in one write; without this, a second write would wait for the client's delayed ACK.
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            #if !os(Linux)
            setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
            #endif
            nextID += 1
            let connection = Connection(fd: fd, id: nextID, limits: limits)
            connection.deadline = Self.now() + limits.idleTimeout
            connections[fd] = connection
        }
    }

    /// Reads what has come and frames as many requests as it holds (one at a time: the next waits until the
    /// answer to this one has been written).
    private func receive(_ connection: Connection) {
        let count = read(connection.fd, &readBuffer, readBuffer.count)
        if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            closeConnection(connection)
            return
        }
        guard count > 0, connection.phase == .reading else { return }
        connection.inbound.append(contentsOf: readBuffer[0..<count])
        frame(connection)
    }

    private func frame(_ connection: Connection) {
        while connection.phase == .reading {
            let wasIdle = connection.reader.isIdle
            let wasReadingBody = connection.reader.isReadingBody
            var offset = connection.consumed
            let step: HTTPRequestReader.Step
            do {
                step = try connection.reader.step(connection.inbound, &offset)
                connection.consume(upTo: offset)
            } catch {
                answer(connection, .error(error.status, error.message, close: true))
                return
            }
            // Deadlines follow the phase the bytes moved the request into.
            let now = Self.now()
            if wasIdle && !connection.reader.isIdle { connection.deadline = now + limits.headTimeout }
            if !wasReadingBody && connection.reader.isReadingBody { connection.deadline = now + limits.bodyTimeout }
            switch step {
            case .more:
                return
            case .continueBody:
                connection.queue(Array("HTTP/1.1 100 Continue\r\n\r\n".utf8))
                flush(connection)
            case .request(let request):
                connection.phase = .handling
                connection.deadline = nil
                connection.keepAlive = request.keepAlive
                connection.announceKeepAlive = request.keepAlive && request.isHTTP10
                let (fd, id) = (connection.fd, connection.id)
                pool.addOperation { [self] in
                    let response = handler(request)
                    lock.withLock { finished.append((fd, id, response)) }
                    signalLoop()
                }
            }
        }
    }

    private func takeFinished() {
        let done = lock.withLock { () -> [(fd: Int32, id: UInt64, response: HTTPResponse)] in
            defer { finished.removeAll() }
            return finished
        }
        for (fd, id, response) in done {
            // The client may have gone, and its descriptor been given to another connection.
            guard let connection = connections[fd], connection.id == id else { continue }
            var response = response
            if !connection.keepAlive { response.close = true }
            answer(connection, response)
        }
    }

    private func answer(_ connection: Connection, _ response: HTTPResponse) {
        connection.phase = .writing
        connection.closeAfterWriting = response.close
        connection.queue(response.serialized(keepAliveForHTTP10: connection.announceKeepAlive && !response.close))
        connection.deadline = Self.now() + limits.writeTimeout
        flush(connection)
    }

    /// Writes what it can; when the answer is out, the connection closes or waits for its next request.
    private func flush(_ connection: Connection) {
        while connection.hasOutput {
            let sent = connection.outbound[connection.written...].withUnsafeBytes { bytes -> Int in
                #if os(Linux)
                send(connection.fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                #else
                send(connection.fd, bytes.baseAddress, bytes.count, 0)
                #endif
            }
            if sent < 0 {
                if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { return }
                closeConnection(connection)
                return
            }
            connection.written += sent
        }
        connection.outbound.removeAll(keepingCapacity: true)
        connection.written = 0
        guard connection.phase == .writing else { return }
        if connection.closeAfterWriting {
            shutdown(connection.fd, Int32(SHUT_WR))
            connection.phase = .lingering
            connection.deadline = Self.now() + 2
            return
        }
        connection.phase = .reading
        connection.deadline = Self.now() + (connection.reader.isIdle ? limits.idleTimeout : limits.headTimeout)
        // A pipelined request may already be here.
        if connection.consumed < connection.inbound.count {
            connection.deadline = Self.now() + limits.headTimeout
            frame(connection)
        }
    }

    private func expireDeadlines(_ now: Double) {
        for connection in Array(connections.values) {
            guard let deadline = connection.deadline, now >= deadline else { continue }
            switch connection.phase {
            case .reading where !connection.reader.isIdle:
                let message = "request not received in time: its head within \(limits.headTimeout) s of its first byte, "
                    + "its body within \(limits.bodyTimeout) s of its head"
                answer(connection, .error(408, message, close: true))
                // A client too slow to take even this answer is dropped at the write deadline.
            default:
                closeConnection(connection)
            }
        }
    }

    private func closeConnection(_ connection: Connection) {
        close(connection.fd)
        connections[connection.fd] = nil
        connection.phase = .closed
    }

    private static func setNonBlocking(_ fd: Int32) {
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    /// Seconds on a clock that only goes forward.
    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}

/// One client's connection, as the loop sees it.
private final class Connection {
    enum Phase { case reading, handling, writing, lingering, closed }

    let fd: Int32
    let id: UInt64
    var phase = Phase.reading
    var reader: HTTPRequestReader
    var deadline: Double?
    /// Bytes received; those before `consumed` have been framed.
    var inbound: [UInt8] = []
    private(set) var consumed = 0
    var outbound: [UInt8] = []
    var written = 0
    var closeAfterWriting = false
    var keepAlive = true
    /// An HTTP/1.0 client asked to keep the connection: the answer says it is kept.
    var announceKeepAlive = false

    init(fd: Int32, id: UInt64, limits: HTTPLimits) {
        self.fd = fd
        self.id = id
        reader = HTTPRequestReader(limits: limits)
    }

    var hasOutput: Bool { written < outbound.count }
    /// Reading pauses while a request is with the handler or its answer is going out: pipelined requests wait in
    /// the socket, and a client cannot make the server buffer more than one request.
    var wantsToRead: Bool { phase == .reading || phase == .lingering }

    func queue(_ bytes: [UInt8]) { outbound += bytes }

    /// Drops the framed bytes once they are a good part of the buffer, so that a long stream costs linear time.
    func consume(upTo offset: Int) {
        consumed = offset
        if consumed == inbound.count {
            inbound.removeAll(keepingCapacity: inbound.count <= 1 << 20)
            consumed = 0
        } else if consumed > 1 << 16 && consumed * 2 > inbound.count {
            inbound.removeFirst(consumed)
            consumed = 0
        }
    }
}

enum HTTPServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case badAddress(String)

    var description: String {
        switch self {
        case .system(let call, let code): "\(call): \(String(cString: strerror(code)))"
        case .badAddress(let host): "\(host) is not an IPv4 address"
        }
    }
}
