// The Debian 12 containers of Scripts/testbed-debian (LXD: lxa-deb*, Incus: ia-deb*).
import Foundation

enum DebianBed {
    /// The image both daemons hold (debootstrap minbase + python3, bash, procps, tini).
    static let image = "lxattach-debian"
    /// LXD's running Debian containers.
    static let running = ["lxa-deb1", "lxa-deb2", "lxa-deb3"]
    /// LXD's Debian container that is created and stopped.
    static let stopped = "lxa-deb-stopped"
    /// Incus's running Debian containers, and its stopped one.
    static let incusRunning = ["ia-deb1", "ia-deb2"]
    static let incusStopped = "ia-deb-stopped"
    /// The unprivileged user (bash login shell, home folder) and its second group.
    static let user = "user"
    static let uid = 1000
    static let extraGID = 2000
    /// Scripts/testbed-debian's logs.
    static let log = Testbed.directory + "/testbed-debian-lxc.log"
}
