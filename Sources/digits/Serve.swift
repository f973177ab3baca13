import ArgumentParser
import DigitsCore
import DigitsServer
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a page to draw digits on and watch the network read them, with the model's report.",
        discussion: """
            Open the address it prints in a browser. The page reads what you draw with the mouse, a pen or a \
            finger after every stroke, or a PNG or JPEG you drop on it, and shows the 28×28 image the network \
            saw and its ten scores; its report view shows the training curve, the confusion matrix on the test \
            set and the test digits the model gets wrong. The JSON API it uses: POST /api/predict (a PNG or JPEG \
            body), GET /api/model, GET /api/report. A client has 10 s to send a request's head, the body's time \
            (--body-timeout) for its body, and 15 s between requests on a kept connection; heads are held to 32 KiB \
            in 100 fields, bodies to 10 MiB. Ctrl-C stops the server.
            """
    )

    @Option(help: ArgumentHelp("""
        The model to serve; several --model flags read as a committee, their scores averaged. Default: \
        \(Home.modelsDefault).
        """, valueName: "file"))
    var model: [String] = []

    @Option(help: ArgumentHelp("Folder holding the MNIST test files, for the report view. Default: "
                               + "\(Home.dataDefault(for: [.test])).", valueName: "folder"))
    var data: String?

    @Option(help: "The IPv4 address to listen on; 127.0.0.1 keeps the page to this machine, 0.0.0.0 opens it to the network.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: UInt16 = 8080

    @Option(help: "Connections open at once; more wait until one closes. (Also held below the limit on open files.)")
    var maxConnections = HTTPLimits().connections

    @Option(help: ArgumentHelp("Seconds a client has to send a request's body once its head has come.", valueName: "seconds"))
    var bodyTimeout = HTTPLimits().bodyTimeout

    func validate() throws {
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else {
            throw ValidationError("--host must be an IPv4 address such as 127.0.0.1, not \(host)")
        }
        guard maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1, not \(maxConnections)") }
        guard bodyTimeout > 0 && bodyTimeout.isFinite else {
            throw ValidationError("--body-timeout must be a positive number of seconds, not \(bodyTimeout)")
        }
    }

    func run() async throws {
        let models = try Models(model)
        // The page reads digits without them; only its report view needs the test files.
        let test = try Home.testImages(data, without: "serving without the report view")
        var limits = HTTPLimits()
        limits.connections = maxConnections
        limits.bodyTimeout = bodyTimeout
        let server: DigitServer
        do {
            server = try DigitServer(host: host, port: port, limits: limits) {
                DigitService(models: models.models, modelPaths: models.paths, test: test)
            }
        } catch {
            throw ServeError(message: "cannot serve on \(host):\(port): \(error)")
        }
        let listening = try await server.waitUntilListening()
        print("serving \(models.name) (test accuracy \(server.service.report.map { percent($0.accuracy) } ?? "-")) "
            + "at http://\(host):\(listening)/ ; Ctrl-C stops")
        fflush(nil)
        try await server.run()
    }
}

struct ServeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
