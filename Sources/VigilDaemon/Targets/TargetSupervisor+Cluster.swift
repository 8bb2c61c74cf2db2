extension TargetSupervisor {
    /// Whether vigild stops this target when it exits: what its driver says (its own children do; units, domains and
    /// daemons another actuator started keep running), and always for a cluster resource, whose lease vigild
    /// revokes on the way out so that another node takes it over at once: it must be down by then.
    var stopsWithVigild: Bool {
        driver.stopsWithVigild || config.cluster
    }
}
