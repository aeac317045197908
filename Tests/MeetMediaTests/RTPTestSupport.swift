import Testing

@testable import MeetMedia

/// Expects `body` to throw a ``MediaError`` with `code`, reporting at the caller's line.
func expectRefused<T>(
    _ code: MediaError.Code,
    _ comment: Comment? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: () throws -> T
) {
    do {
        _ = try body()
        Issue.record("expected \(code), nothing was thrown. \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch let error as MediaError {
        #expect(error.code == code, "\(error.reason). \(comment.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected a MediaError, got \(error)", sourceLocation: sourceLocation)
    }
}
