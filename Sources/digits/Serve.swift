import ArgumentParser
import DigitsCore
import DigitsServer
import Foundation

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a page to draw digits on and watch the network read them, with the model's report.",
        discussion: """
            Open the address it prints in a browser. The page reads what you draw with the mouse, a pen or a \
            finger after every stroke, or a PNG you drop on it, and shows the 28×28 image the network saw and \
            its ten scores; its report view shows the training curve, the confusion matrix on the test set and \
            the test digits the model gets wrong. The JSON API it uses: POST /api/predict (a PNG body), \
            GET /api/model, GET /api/report. Ctrl-C stops the server.
            """
    )

    @Option(help: "The model to serve: the shipped one unless told otherwise.")
    var model = shippedModel

    @Option(help: "Folder holding the MNIST test files, for the report view.")
    var data = "data/mnist"

    @Option(help: "The IPv4 address to listen on; 127.0.0.1 keeps the page to this machine, 0.0.0.0 opens it to the network.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one.")
    var port: UInt16 = 8080

    func validate() throws {
        var address = in_addr()
        guard inet_pton(AF_INET, host, &address) == 1 else {
            throw ValidationError("--host must be an IPv4 address such as 127.0.0.1, not \(host)")
        }
    }

    func run() async throws {
        let trained = try ModelFile.read(from: model, inputs: DigitPreparation.side * DigitPreparation.side,
                                         outputs: MNIST.classCount)
        let test = try MNIST.load(.test, from: data)
        let service = DigitService(model: trained, modelPath: model, test: test)
        let server = try DigitServer(service: service, host: host, port: port)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await server.run()
                } catch {
                    throw ServeError(message: "cannot serve on \(host):\(port): \(error.localizedDescription)")
                }
            }
            group.addTask {
                let port = try await server.waitUntilListening()
                print("serving \(model) (test accuracy \(service.report.map { percent($0.accuracy) } ?? "-")) "
                    + "at http://\(host):\(port)/ ; Ctrl-C stops")
                fflush(nil)
            }
            // The first error, such as a port already in use, ends both.
            while try await group.next() != nil {}
        }
    }
}

struct ServeError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
