import Foundation

/// An exclusive lock on one label's cache folder for the life of a run:
/// two runs building the same batches would do the work twice and write
/// over each other's partial files. The kernel drops the lock when the
/// process ends, however it ends.
final class CacheFolderLock {
    private let descriptor: Int32

    init(folder: URL) throws {
        let path = folder.appendingPathComponent(".lock").path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw GradientPoolsError("cannot open \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            let busy = errno == EWOULDBLOCK
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw GradientPoolsError(busy
                ? "another gradient-pools run is writing \(folder.path); wait for it or use another --label"
                : "cannot lock \(path): \(reason)")
        }
    }

    deinit {
        close(descriptor)
    }
}
