import Foundation

/// Reads the JSON that network2.py saves, and nothing else, in one pass over its bytes: numbers go straight into
/// float32 arrays, so time is linear in the file and memory about twice its size at worst (a general JSON parser
/// took 30 s and 800 MB for 31 MB of zeros). Keys may come in any order; a key network2.py does not write is
/// skipped, nested at most 64 deep.
struct Network2Reader {
    /// A list of lists of numbers (a weight matrix, or a bias column), flattened.
    struct Rows {
        var values: [Float] = []
        var lengths: [Int] = []
    }

    struct File {
        var sizes: [Double]?
        var weights: [Rows]?
        var biases: [Rows]?
        var cost: String?
    }

    private let bytes: [UInt8]
    private var at = 0
    /// A number's characters, terminated for strtod (a number is at most 64).
    private var scratch = [CChar](repeating: 0, count: 65)

    static func read(_ data: Data) throws(Network2JSON.Invalid) -> File {
        var reader = Network2Reader(bytes: Array(data))
        return try reader.file()
    }

    private init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    private func invalid(_ why: String) -> Network2JSON.Invalid { Network2JSON.Invalid(problem: why) }

    private var unexpected: Network2JSON.Invalid {
        at < bytes.count
            ? invalid("not JSON: unexpected \(describe(bytes[at])) at byte \(at)")
            : invalid("not JSON: it ends at byte \(at), inside a value")
    }

    private func describe(_ byte: UInt8) -> String {
        (0x21...0x7E).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : String(format: "byte 0x%02X", byte)
    }

    private mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    /// Skips space, then takes `byte` if it is next.
    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    private mutating func file() throws(Network2JSON.Invalid) -> File {
        guard take(UInt8(ascii: "{")) else {
            throw invalid("not an object of \"sizes\", \"weights\", \"biases\" and \"cost\"")
        }
        var file = File()
        if !take(UInt8(ascii: "}")) {
            repeat {
                skipSpace()
                let key = try string()
                guard take(UInt8(ascii: ":")) else { throw unexpected }
                switch key {
                case "sizes": file.sizes = try list("sizes") { (r: inout Network2Reader, place) throws(Network2JSON.Invalid) in
                    try r.number(place)
                }
                case "weights": file.weights = try list("weights") { (r: inout Network2Reader, place) throws(Network2JSON.Invalid) in
                    try r.rows(place)
                }
                case "biases": file.biases = try list("biases") { (r: inout Network2Reader, place) throws(Network2JSON.Invalid) in
                    try r.rows(place)
                }
                case "cost":
                    skipSpace()
                    guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw invalid("\"cost\" is not a string") }
                    file.cost = try string()
                default: try skipValue(depth: 0)
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { throw unexpected }
        }
        skipSpace()
        guard at == bytes.count else { throw invalid("not JSON: more after the object, at byte \(at)") }
        return file
    }

    /// Takes the `[` that opens the list at `place`.
    private mutating func open(_ place: @autoclosure () -> String) throws(Network2JSON.Invalid) {
        skipSpace()
        guard at < bytes.count else { throw unexpected }
        guard bytes[at] == UInt8(ascii: "[") else { throw invalid("\(place()) is not a list") }
        at += 1
    }

    /// `[e, e, …]`, each element read by `element` with its place (sizes[2]).
    private mutating func list<T>(_ place: String,
                                  _ element: (inout Network2Reader, String) throws(Network2JSON.Invalid) -> T)
        throws(Network2JSON.Invalid) -> [T] {
        try open(place)
        var result: [T] = []
        if take(UInt8(ascii: "]")) { return result }
        repeat {
            result.append(try element(&self, "\(place)[\(result.count)]"))
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "]")) else { throw unexpected }
        return result
    }

    /// `[[numbers], [numbers], …]`, flattened.
    private mutating func rows(_ place: String) throws(Network2JSON.Invalid) -> Rows {
        var rows = Rows()
        try open(place)
        if take(UInt8(ascii: "]")) { return rows }
        repeat {
            let index = rows.lengths.count
            try open("\(place)[\(index)]")
            var length = 0
            if !take(UInt8(ascii: "]")) {
                repeat {
                    rows.values.append(Float(try number("\(place)[\(index)][\(length)]")))
                    length += 1
                } while take(UInt8(ascii: ","))
                guard take(UInt8(ascii: "]")) else { throw unexpected }
            }
            rows.lengths.append(length)
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "]")) else { throw unexpected }
        return rows
    }

    /// A JSON number, by its grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
    private mutating func number(_ place: @autoclosure () -> String) throws(Network2JSON.Invalid) -> Double {
        skipSpace()
        guard at < bytes.count else { throw unexpected }
        let start = at
        func digits(_ reader: inout Network2Reader) -> Int {
            let from = reader.at
            while reader.at < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.at]) { reader.at += 1 }
            return reader.at - from
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
        let whole = digits(&self)
        guard whole > 0, whole == 1 || bytes[at - whole] != UInt8(ascii: "0") else {
            at = start
            throw invalid("\(place()) is not a number")
        }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
            at += 1
            guard digits(&self) > 0 else { throw unexpected }
        }
        if at < bytes.count, bytes[at] | 0x20 == UInt8(ascii: "e") {
            at += 1
            if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
            guard digits(&self) > 0 else { throw unexpected }
        }
        guard at - start <= 64 else { throw invalid("\(place()) is a number of more than 64 characters") }
        for i in start..<at { scratch[i - start] = CChar(bitPattern: bytes[i]) }
        scratch[at - start] = 0
        return strtod(scratch, nil)
    }

    /// A JSON string; escapes are decoded, \u included (a lone surrogate becomes U+FFFD).
    private mutating func string() throws(Network2JSON.Invalid) -> String {
        guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") else { throw unexpected }
        at += 1
        var utf8: [UInt8] = []
        while at < bytes.count {
            let byte = bytes[at]
            at += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard at < bytes.count else { throw unexpected }
                let escape = bytes[at]
                at += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    guard at + 4 <= bytes.count,
                          let code = UInt32(String(decoding: bytes[at..<at + 4], as: UTF8.self), radix: 16) else { throw unexpected }
                    at += 4
                    utf8 += Array(String(Unicode.Scalar(code).map(Character.init) ?? "\u{FFFD}").utf8)
                default:
                    at -= 1
                    throw unexpected
                }
            case 0..<0x20:
                at -= 1
                throw unexpected
            default:
                utf8.append(byte)
            }
        }
        throw unexpected
    }

    /// Any JSON value, read and dropped; nesting deeper than 64 is refused.
    private mutating func skipValue(depth: Int) throws(Network2JSON.Invalid) {
        guard depth < 64 else { throw invalid("not JSON as network2.py writes it: nested more than 64 deep") }
        skipSpace()
        guard at < bytes.count else { throw unexpected }
        switch bytes[at] {
        case UInt8(ascii: "\""): _ = try string()
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let close = bytes[at] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
            let isObject = close == UInt8(ascii: "}")
            at += 1
            if take(close) { return }
            repeat {
                if isObject {
                    skipSpace()
                    _ = try string()
                    guard take(UInt8(ascii: ":")) else { throw unexpected }
                }
                try skipValue(depth: depth + 1)
            } while take(UInt8(ascii: ","))
            guard take(close) else { throw unexpected }
        default:
            for word in ["true", "false", "null"] where bytes[at...].starts(with: word.utf8) {
                at += word.utf8.count
                return
            }
            _ = try number("a value")
        }
    }
}
