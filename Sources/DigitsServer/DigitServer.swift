import Foundation

/// `digits serve`: the page at `/` and the JSON API of a `DigitService` over HTTP/1.1.
///
/// - `GET /`: the page (HTML, CSS and JavaScript in one document, nothing fetched from elsewhere);
/// - `POST /api/predict`, a PNG or JPEG as the body: `DigitService.predict`;
/// - `GET /api/model`, `GET /api/report`: `DigitService.modelInfo` and `testReport`.
///
/// Errors are JSON objects `{"error": "..."}` with a 4xx status: 413 for a body over `HTTPLimits.body` (read to
/// its end and dropped) or over `HTTPLimits.drain` (refused unread, the connection closed) or a picture over
/// the pixel limit, 400 for a body that is not a readable PNG or JPEG and for a request that cannot be framed,
/// 422 for a picture without a digit, 404 and 405 for unknown paths and methods, 408 for a request that does not
/// arrive in time, 414 and 431 for a request line or header fields over their limits (see `HTTPLimits`).
public final class DigitServer: Sendable {
    private let server: HTTPServer
    private let ended = Ending()
    /// What the server answers with.
    public let service: DigitService

    /// A server for `service` listening on `host` (an IPv4 address) and `port` (0 picks a free port), serving from
    /// now on, on a thread of its own; throws when it cannot listen there (a port in use, an address not of this
    /// machine). Serving needs no task to be scheduled: in a process whose task threads are all busy (a test run
    /// that trains on every core) requests are still answered.
    public convenience init(service: DigitService, host: String, port: UInt16, limits: HTTPLimits = HTTPLimits()) throws {
        try self.init(host: host, port: port, limits: limits) { service }
    }

    /// The same, the service made by `makeService` once the port is held: a port that cannot be had is told at
    /// once, not after the service has measured its models on the test set. Clients that connect meanwhile wait
    /// in the listen queue.
    public init(host: String, port: UInt16, limits: HTTPLimits = HTTPLimits(), service makeService: () -> DigitService) throws {
        let made = MadeService()
        server = try HTTPServer(host: host, port: port, limits: limits) { request in
            Self.route(request, to: made.service!, bodyLimit: limits.body)
        }
        service = makeService()
        // Set before the serving thread starts, so every request, handled after that, sees it.
        made.service = service
        let (server, ended) = (self.server, self.ended)
        let thread = Thread {
            server.serve()
            ended.end()
        }
        thread.name = "digits serve"
        thread.start()
    }

    /// Waits while the server serves: until the task running it is cancelled (which stops the server) or `stop()`
    /// is called, and the server has closed its port.
    public func run() async throws {
        let server = self.server
        await withTaskCancellationHandler {
            await ended.wait()
        } onCancel: {
            server.stop()
        }
    }

    /// The port the server listens on.
    public func waitUntilListening() async throws -> UInt16 {
        server.port
    }

    public func stop() async {
        server.stop()
    }

    private static func route(_ request: HTTPRequest, to service: DigitService, bodyLimit: Int) -> HTTPResponse {
        if request.bodyDropped {
            return response(DigitService.error(413, "request body over \(bodyLimit) bytes"))
        }
        let allowed: String
        switch request.path {
        case "/", "/index.html":
            if request.method == "GET" {
                return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: Data(Page.html.utf8))
            }
            allowed = "GET"
        case "/api/predict":
            if request.method == "POST" { return response(service.predict(picture: request.body)) }
            allowed = "POST"
        case "/api/model":
            if request.method == "GET" { return response(service.modelInfo()) }
            allowed = "GET"
        case "/api/report":
            if request.method == "GET" { return response(service.testReport()) }
            allowed = "GET"
        default:
            return response(DigitService.error(404, "no such page or API: \(excerpt(request.path))"))
        }
        var refused = response(DigitService.error(405, "\(excerpt(request.method)) is not allowed on \(request.path)"))
        refused.extraHeaders.append(("Allow", allowed))
        return refused
    }

    /// At most the first 100 characters of what a client sent, for a message that repeats it.
    private static func excerpt(_ text: String) -> String {
        text.count > 100 ? text.prefix(100) + "…" : text
    }

    private static func response(_ answer: DigitService.Answer) -> HTTPResponse {
        HTTPResponse(status: answer.status, body: answer.body)
    }
}

/// The service of a server whose port was bound before the service was made: written once, before serving starts.
private final class MadeService: @unchecked Sendable {
    var service: DigitService?
}

/// The end of serving, awaited by any number of `run()` calls, before or after it comes.
private final class Ending: @unchecked Sendable {
    private let lock = NSLock()
    private var hasEnded = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func end() {
        let waiters = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            hasEnded = true
            defer { waiting.removeAll() }
            return waiting
        }
        waiters.forEach { $0.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = lock.withLock { () -> Bool in
                if hasEnded { return true }
                waiting.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
