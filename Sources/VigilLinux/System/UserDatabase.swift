#if canImport(Glibc)
import Glibc
#endif

/// Looks up users and groups (NSS), by name or number. Used when a configuration is loaded, never at spawn time.
enum UserDatabase {
    struct Account {
        var name: String?
        var uid: uid_t
        var gid: gid_t?
    }

    /// A user by name, or by number (which need not be in the database).
    static func user(_ nameOrID: String) -> Account? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        if let number = uid_t(nameOrID) {
            if getpwuid_r(number, &entry, &buffer, buffer.count, &result) == 0, result != nil {
                return Account(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid)
            }
            return Account(name: nil, uid: number, gid: nil)
        }
        guard getpwnam_r(nameOrID, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return Account(name: String(cString: entry.pw_name), uid: entry.pw_uid, gid: entry.pw_gid)
    }

    /// A group id by name, or a number as it is.
    static func group(_ nameOrID: String) -> gid_t? {
        if let number = gid_t(nameOrID) {
            return number
        }
        var entry = Glibc.group()
        var result: UnsafeMutablePointer<Glibc.group>?
        var buffer = [CChar](repeating: 0, count: 16_384)
        guard getgrnam_r(nameOrID, &entry, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        return entry.gr_gid
    }

    /// The supplementary groups of `user`, `primary` first.
    static func groups(of user: String, primary: gid_t) -> [gid_t] {
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(user, primary, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            _ = getgrouplist(user, primary, &groups, &count)
        }
        let list = Array(groups.prefix(Int(max(count, 0))))
        return [primary] + list.filter { $0 != primary }
    }
}
