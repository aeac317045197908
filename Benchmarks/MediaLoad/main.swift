// Load on the SFU: synthetic publishers send SRTP video through real ICE and DTLS, many
// subscribers receive it, and the tool reports forwarded packets per second per core, added
// forwarding latency and memory per consumer.
//
//   swift build -c release --product digitalmeet-media-load
//   .build/release/digitalmeet-media-load --publishers 4 --subscribers 25 --seconds 5 --mode both
//
// `core` drives the sans-IO SFU on one thread (no sockets); `loopback` runs the MediaServer on
// 127.0.0.1 with the clients on their own UDP sockets and counts the server thread's CPU time.
import Foundation

do {
    let options = try LoadOptions(arguments: Array(CommandLine.arguments.dropFirst()))
    if options.mode != .loopback {
        let result = try CoreBench(options: options).run()
        LoadReport.printCore(result, options: options)
    }
    if options.mode != .core {
        let result = try await LoopbackBench(options: options).run()
        LoadReport.printLoopback(result, options: options)
    }
} catch {
    FileHandle.standardError.write(Data("digitalmeet-media-load: \(error)\n".utf8))
    exit(1)
}
