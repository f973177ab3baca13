import FlyingFox
import FlyingSocks
import Foundation

/// `digits serve`: the page at `/` and the JSON API of a `DigitService` over HTTP.
///
/// - `GET /`: the page (HTML, CSS and JavaScript in one document, nothing fetched from elsewhere);
/// - `POST /api/predict`, a PNG or JPEG as the body: `DigitService.predict`;
/// - `GET /api/model`, `GET /api/report`: `DigitService.modelInfo` and `testReport`.
///
/// Errors are JSON objects `{"error": "..."}` with a 4xx status: 413 for a body over `DigitService.bodyLimit`
/// or a picture over the pixel limit, 400 for a body that is not a readable PNG or JPEG, 422 for a picture without a
/// digit, 404 and 405 for unknown paths and methods.
public final class DigitServer: Sendable {
    private let server: HTTPServer

    /// A server for `service` on `host` (an IPv4 address) and `port` (0 picks a free port). A request that takes
    /// longer than `timeout` seconds, its body included, is answered 500.
    public init(service: DigitService, host: String, port: UInt16, timeout: TimeInterval = 15) throws {
        server = HTTPServer(address: try sockaddr_in.inet(ip4: host, port: port), timeout: timeout, logger: .disabled,
                            handler: Routes(service: service))
    }

    /// Serves until the task running it is cancelled.
    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { [server] in try await server.run() }
            group.addTask { [self] in Self.disableNagle(onListenerAt: try await waitUntilListening()) }
            // The first error, such as a port already in use, ends both.
            while try await group.next() != nil {}
        }
    }

    /// The port the server listens on, once it does.
    public func waitUntilListening() async throws -> UInt16 {
        try await server.waitUntilListening()
        guard case .ip4(_, let port) = await server.listeningAddress else { throw CancellationError() }
        return port
    }

    /// Sets TCP_NODELAY on the socket listening on `port`, which Linux passes on to every connection it accepts.
    ///
    /// FlyingFox writes a response's header and body in two writes; with Nagle's algorithm the body then waits
    /// for the client's delayed acknowledgement of the header, 40 ms on Linux, on every request. FlyingFox 0.27
    /// has no setting for it, so the listening socket is found among this process's descriptors.
    private static func disableNagle(onListenerAt port: UInt16) {
        for descriptor in Int32(0)..<4_096 {
            var listening: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            guard getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &length) == 0, listening == 1 else { continue }
            var address = sockaddr_in()
            var addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &addressLength) }
            }
            guard named == 0, address.sin_family == sa_family_t(AF_INET), UInt16(bigEndian: address.sin_port) == port else { continue }
            var on: Int32 = 1
            _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    public func stop() async {
        await server.stop()
    }
}

private struct Routes: HTTPHandler {
    let service: DigitService

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        // Every body is read, whatever the route, before the route is chosen (see `body(of:limit:)`).
        let body: Data
        switch try await Self.body(of: request, limit: DigitService.bodyLimit) {
        case .read(let data):
            body = data
        case .refused(let drained):
            var response = Self.response(DigitService.error(413, "request body over \(DigitService.bodyLimit) bytes"))
            // The rest of the body is still on the connection: the client must not send another request on it.
            if !drained { response.headers[.connection] = "close" }
            return response
        }
        switch (request.method, request.path) {
        case (.GET, "/"), (.GET, "/index.html"):
            return HTTPResponse(statusCode: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: Data(Page.html.utf8))
        case (.POST, "/api/predict"):
            return Self.response(service.predict(picture: body))
        case (.GET, "/api/model"):
            return Self.response(service.modelInfo())
        case (.GET, "/api/report"):
            return Self.response(service.testReport())
        case (_, "/"), (_, "/index.html"), (_, "/api/predict"), (_, "/api/model"), (_, "/api/report"):
            return Self.response(DigitService.error(405, "\(Self.excerpt(request.method.rawValue)) is not allowed on \(request.path)"))
        default:
            return Self.response(DigitService.error(404, "no such page or API: \(Self.excerpt(request.path))"))
        }
    }

    /// At most the first 100 characters of what a client sent, for a message that repeats it.
    private static func excerpt(_ text: String) -> String {
        text.count > 100 ? text.prefix(100) + "…" : text
    }

    private enum Body {
        case read(Data)
        /// Over the limit; `drained` when it was nevertheless read to its end.
        case refused(drained: Bool)
    }

    /// A body over `limit` is read to its end and dropped, unless it is over `drainLimit`: FlyingFox 0.27 leaves
    /// the unread rest of a body over 2 MiB on the connection, where it would be parsed as the next request.
    private static func body(of request: HTTPRequest, limit: Int) async throws -> Body {
        if let count = request.bodySequence.count, count > drainLimit { return .refused(drained: false) }
        var data = Data()
        var count = 0
        for try await chunk in request.bodySequence {
            count += chunk.count
            if count > drainLimit { return .refused(drained: false) }
            if count <= limit { data += chunk }
        }
        return count <= limit ? .read(data) : .refused(drained: true)
    }

    /// Bodies up to this size are read to their end even when refused, so that the connection can go on.
    private static let drainLimit = 64 << 20

    private static func response(_ answer: DigitService.Answer) -> HTTPResponse {
        HTTPResponse(statusCode: HTTPStatusCode(answer.status, phrase: phrase(answer.status)),
                     headers: [.contentType: "application/json", .cacheControl: "no-store"], body: answer.body)
    }

    private static func phrase(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 413: "Content Too Large"
        case 422: "Unprocessable Content"
        default: "Error"
        }
    }
}
