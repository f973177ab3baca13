import Foundation

// HTTP/1.1 requests as RFC 9112 frames them, read from bytes that arrive in pieces, with a limit on everything a
// client controls: the request line, each header line, the number of headers, the whole head, the body. Anything
// ambiguous is refused rather than guessed (two different Content-Lengths, Content-Length with chunked, a header
// folded onto a second line), since a guess that differs from a proxy's is how requests are smuggled.

/// A request whose head and body have been read whole.
struct HTTPRequest: Sendable {
    var method: String
    /// The path of the request target, without its query.
    var path: String
    /// Names in lower case, values trimmed, in the order sent.
    var headers: [(name: String, value: String)]
    var body: Data
    /// True when the body was over the body limit: it was read to its end and dropped.
    var bodyDropped = false
    /// Whether the client keeps the connection for another request (HTTP/1.1 unless `Connection: close`;
    /// HTTP/1.0 only with `Connection: keep-alive`).
    var keepAlive: Bool
    /// Whether the request line said HTTP/1.0 (whose kept-alive connections are announced in the answer).
    var isHTTP10 = false
}

/// An answer: a status, its JSON or HTML body, and whether the connection closes after it.
struct HTTPResponse: Sendable {
    var status: Int
    var contentType = "application/json"
    var body: Data
    var extraHeaders: [(String, String)] = []
    var close = false

    /// `{"error": message}` with `status`; `close` ends the connection after it.
    static func error(_ status: Int, _ message: String, close: Bool = false) -> HTTPResponse {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A dictionary of strings always encodes.
        return HTTPResponse(status: status, body: try! encoder.encode(["error": message]), close: close)
    }

    /// The bytes on the wire: status line, headers, body.
    func serialized(keepAliveForHTTP10: Bool = false) -> [UInt8] {
        var head = "HTTP/1.1 \(status) \(Self.phrase(status))\r\nContent-Type: \(contentType)\r\n"
            + "Content-Length: \(body.count)\r\nCache-Control: no-store\r\n"
        for (name, value) in extraHeaders { head += "\(name): \(value)\r\n" }
        if close { head += "Connection: close\r\n" } else if keepAliveForHTTP10 { head += "Connection: keep-alive\r\n" }
        return Array((head + "\r\n").utf8) + body
    }

    static func phrase(_ status: Int) -> String {
        switch status {
        case 100: "Continue"
        case 200: "OK"
        case 400: "Bad Request"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 422: "Unprocessable Content"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Error"
        }
    }
}

/// A request that cannot be read: answered with `status` and the connection closed, since what follows on it
/// cannot be trusted to start a request.
struct HTTPRequestError: Error, Equatable {
    let status: Int
    let message: String
}

/// How much of a request a client may send, and how long it may take.
public struct HTTPLimits: Sendable {
    /// The request line (method, target, version).
    public var requestLine = 8 << 10
    /// Each header line.
    public var headerLine = 8 << 10
    public var headerCount = 100
    /// The whole head: request line and headers.
    public var head = 32 << 10
    /// Larger bodies are read to their end, dropped and answered 413; the connection goes on.
    public var body = 10 << 20
    /// Larger bodies (by Content-Length, or chunks so far) are answered 413 unread, and the connection closed.
    public var drain = 64 << 20
    /// Seconds from a request's first byte to the end of its head (408 after).
    public var headTimeout: Double = 10
    /// Seconds from the end of a request's head to the end of its body (408 after): 10 MiB at 1.4 Mbit/s.
    public var bodyTimeout: Double = 60
    /// Seconds a kept-alive connection may wait for its next request, and a new one for its first byte.
    public var idleTimeout: Double = 15
    /// Seconds a client has to take its answer.
    public var writeTimeout: Double = 60
    /// Connections open at once; more wait in the kernel's queue until one closes. Also held below the
    /// process's limit on open files.
    public var connections = 1_000

    public init() {}
}

/// Reads one request at a time from the bytes of a connection.
struct HTTPRequestReader {
    let limits: HTTPLimits

    private enum State {
        /// Looking for the end of the head; `scanned` bytes of it have been checked line by line.
        case head(scanned: Int, lineStart: Int, lines: Int)
        case fixedBody(remaining: Int)
        /// In a chunked body: expecting a size line, chunk data, the CRLF after it, or trailer lines.
        case chunkSize
        case chunkData(remaining: Int)
        case chunkEnd
        case trailers(lines: Int, bytes: Int)
    }

    private var state = State.head(scanned: 0, lineStart: 0, lines: 0)
    private var request: HTTPRequest?
    private var bodyBytes = 0
    /// Whether the head asked to be told to go on before sending its body (`Expect: 100-continue`).
    private(set) var expectsContinue = false

    init(limits: HTTPLimits) { self.limits = limits }

    /// True while no byte of a request has been taken.
    var isIdle: Bool {
        if case .head(0, _, _) = state { return true }
        return false
    }

    /// True once a request's head has been read and its body is being read.
    var isReadingBody: Bool {
        if case .head = state { return false }
        return true
    }

    enum Step {
        /// More bytes are needed.
        case more
        /// The head has been read and asks for `100 Continue` before its body.
        case continueBody
        case request(HTTPRequest)
    }

    /// Takes what it can from `bytes[offset...]`, advancing `offset` past what it used.
    mutating func step(_ bytes: [UInt8], _ offset: inout Int) throws(HTTPRequestError) -> Step {
        while true {
            switch state {
            case .head(let scanned, let lineStart, let lines):
                let start = offset + scanned
                guard let newline = bytes[start...].firstIndex(of: 0x0A) else {
                    // No end of line yet: the line so far must fit its limit, the head so far its own. A CR last
                    // may be the line's end come before its LF, which the limit does not count.
                    var partial = bytes.count - (offset + lineStart)
                    if partial > 0 && bytes[bytes.count - 1] == 0x0D { partial -= 1 }
                    try checkLine(length: partial, isRequestLine: lines == 0)
                    guard bytes.count - offset <= limits.head else { throw tooLarge("request head") }
                    state = .head(scanned: bytes.count - offset, lineStart: lineStart, lines: lines)
                    return .more
                }
                let lineEnd = newline - offset
                var length = lineEnd - lineStart
                if length > 0 && bytes[offset + lineEnd - 1] == 0x0D { length -= 1 }
                try checkLine(length: length, isRequestLine: lines == 0)
                guard lineEnd + 1 <= limits.head else { throw tooLarge("request head") }
                if length == 0 && lines == 0 {
                    // Empty lines before a request line are to be ignored (RFC 9112, 2.2).
                    offset += lineEnd + 1
                    state = .head(scanned: 0, lineStart: 0, lines: 0)
                    continue
                }
                if length > 0 {
                    guard lines < limits.headerCount + 1 else {
                        throw HTTPRequestError(status: 431, message: "more than \(limits.headerCount) header fields")
                    }
                    state = .head(scanned: lineEnd + 1, lineStart: lineEnd + 1, lines: lines + 1)
                    continue
                }
                // The blank line: the head is whole.
                let head = Array(bytes[offset..<(offset + lineStart)])
                offset += lineEnd + 1
                let (parsed, framing) = try parseHead(head)
                request = parsed
                bodyBytes = 0
                switch framing {
                case .length(0):
                    return .request(finish())
                case .length(let count):
                    state = .fixedBody(remaining: count)
                case .chunked:
                    state = .chunkSize
                }
                if expectsContinue { return .continueBody }
            case .fixedBody(let remaining):
                let left = take(remaining, from: bytes, &offset)
                guard left == 0 else {
                    state = .fixedBody(remaining: left)
                    return .more
                }
                return .request(finish())
            case .chunkSize:
                guard let line = try chunkLine(bytes, &offset, limit: 1_024, what: "chunk size line") else { return .more }
                let digits = line.prefix { $0 != UInt8(ascii: ";") }.filter { $0 != 0x20 && $0 != 0x09 }
                guard !digits.isEmpty, digits.count <= 16, let size = Int(String(decoding: digits, as: UTF8.self), radix: 16),
                      size >= 0 else {
                    throw HTTPRequestError(status: 400, message: "malformed request: a chunk size that is not a hexadecimal number below 2^63")
                }
                guard size <= limits.drain - bodyBytes else { throw bodyTooLarge() }
                state = size == 0 ? .trailers(lines: 0, bytes: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let left = take(remaining, from: bytes, &offset)
                guard left == 0 else {
                    state = .chunkData(remaining: left)
                    return .more
                }
                state = .chunkEnd
            case .chunkEnd:
                guard let line = try chunkLine(bytes, &offset, limit: 2, what: "chunk end") else { return .more }
                guard line.isEmpty else {
                    throw HTTPRequestError(status: 400, message: "malformed request: chunk data longer than its size")
                }
                state = .chunkSize
            case .trailers(let lines, let total):
                guard let line = try chunkLine(bytes, &offset, limit: limits.headerLine, what: "trailer field") else {
                    return .more
                }
                if line.isEmpty { return .request(finish()) }
                guard lines < limits.headerCount, total + line.count <= limits.head else { throw tooLarge("trailer section") }
                state = .trailers(lines: lines + 1, bytes: total + line.count)
            }
        }
    }

    /// Takes up to `count` bytes of body from `bytes[offset...]` and returns how many are still to come. The
    /// body is kept up to the body limit and only counted beyond it.
    private mutating func take(_ count: Int, from bytes: [UInt8], _ offset: inout Int) -> Int {
        let taken = min(count, bytes.count - offset)
        if bodyBytes + taken <= limits.body { request?.body.append(contentsOf: bytes[offset..<(offset + taken)]) }
        bodyBytes += taken
        offset += taken
        return count - taken
    }

    private mutating func finish() -> HTTPRequest {
        var done = request!
        if bodyBytes > limits.body {
            done.body = Data()
            done.bodyDropped = true
        }
        state = .head(scanned: 0, lineStart: 0, lines: 0)
        request = nil
        expectsContinue = false
        return done
    }

    /// A CRLF- (or LF-) ended line of a chunked body without its ending, or nil when it has not all come.
    private func chunkLine(_ bytes: [UInt8], _ offset: inout Int, limit: Int,
                           what: String) throws(HTTPRequestError) -> ArraySlice<UInt8>? {
        guard let newline = bytes[offset...].prefix(limit + 2).firstIndex(of: 0x0A) else {
            if bytes.count - offset > limit + 1 {
                throw HTTPRequestError(status: 400, message: "malformed request: \(what) over \(limit) bytes")
            }
            return nil
        }
        var line = bytes[offset..<newline]
        if line.last == 0x0D { line = line.dropLast() }
        offset = newline + 1
        return line
    }

    private func checkLine(length: Int, isRequestLine: Bool) throws(HTTPRequestError) {
        if isRequestLine {
            guard length <= limits.requestLine else {
                throw HTTPRequestError(status: 414, message: "request line over \(limits.requestLine) bytes")
            }
        } else {
            guard length <= limits.headerLine else {
                throw HTTPRequestError(status: 431, message: "a header field over \(limits.headerLine) bytes")
            }
        }
    }

    private func tooLarge(_ what: String) -> HTTPRequestError {
        HTTPRequestError(status: 431, message: "\(what) over \(limits.head) bytes")
    }

    private func bodyTooLarge() -> HTTPRequestError {
        HTTPRequestError(status: 413, message: "request body over \(limits.body) bytes")
    }

    private enum Framing { case length(Int), chunked }

    /// The request line and header fields, without the blank line; and how the body is framed.
    private mutating func parseHead(_ head: [UInt8]) throws(HTTPRequestError) -> (HTTPRequest, Framing) {
        func malformed(_ why: String) -> HTTPRequestError {
            HTTPRequestError(status: 400, message: "malformed request: \(why)")
        }
        var lines = head.split(separator: 0x0A, omittingEmptySubsequences: false).map { line in
            line.last == 0x0D ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let requestLine = lines.first, requestLine.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
            throw malformed("the request line has control or non-ASCII characters")
        }
        let parts = requestLine.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3, !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenCharacter) else {
            throw malformed("the request line is not METHOD TARGET VERSION")
        }
        let method = String(decoding: parts[0], as: UTF8.self)
        let target = String(decoding: parts[1], as: UTF8.self)
        let version = String(decoding: parts[2], as: UTF8.self)
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            guard version.hasPrefix("HTTP/") else { throw malformed("the request line is not METHOD TARGET VERSION") }
            throw HTTPRequestError(status: 505, message: "\(version.prefix(20)) is not served; HTTP/1.1 is")
        }
        guard target.hasPrefix("/") else { throw malformed("the target is not a path") }
        let path = String(target.prefix { $0 != "?" && $0 != "#" })

        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let first = line.first, first != 0x20 && first != 0x09 else {
                throw malformed("a header field folded onto another line")
            }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")), colon > line.startIndex,
                  line[..<colon].allSatisfy(Self.isTokenCharacter) else {
                throw malformed("a header line that is not NAME: VALUE")
            }
            let value = line[(colon + 1)...]
            guard value.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw malformed("a header value with control characters")
            }
            headers.append((String(decoding: line[..<colon], as: UTF8.self).lowercased(),
                            String(decoding: value, as: UTF8.self).trimmingCharacters(in: .whitespaces)))
        }

        let connection = headers.filter { $0.name == "connection" }.flatMap { $0.value.lowercased().split(separator: ",") }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let keepAlive = version == "HTTP/1.1" ? !connection.contains("close") : connection.contains("keep-alive")
        expectsContinue = version == "HTTP/1.1"
            && headers.contains { $0.name == "expect" && $0.value.lowercased() == "100-continue" }

        let lengths = headers.filter { $0.name == "content-length" }
            .flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let codings = headers.filter { $0.name == "transfer-encoding" }
        let framing: Framing
        if !codings.isEmpty {
            guard lengths.isEmpty else { throw malformed("both Transfer-Encoding and Content-Length") }
            guard codings.count == 1, codings[0].value.lowercased() == "chunked" else {
                throw HTTPRequestError(status: 501, message: "transfer coding \(codings.map(\.value).joined(separator: ", ").prefix(40)) is not supported; chunked is")
            }
            framing = .chunked
        } else if let length = lengths.first {
            guard Set(lengths).count == 1 else { throw malformed("Content-Length given with different values") }
            guard !length.isEmpty, length.count <= 18, length.allSatisfy(\.isASCII), length.allSatisfy(\.isNumber),
                  let count = Int(length) else {
                guard !length.isEmpty, length.allSatisfy({ $0.isASCII && $0.isNumber }) else {
                    throw malformed("a Content-Length that is not a number")
                }
                throw bodyTooLarge()
            }
            guard count <= limits.drain else { throw bodyTooLarge() }
            framing = .length(count)
        } else {
            framing = .length(0)
        }
        return (HTTPRequest(method: method, path: path, headers: headers, body: Data(), keepAlive: keepAlive,
                            isHTTP10: version == "HTTP/1.0"), framing)
    }

    /// tchar of RFC 9110: the characters of methods and header names.
    private static func isTokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            true
        default:
            Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
