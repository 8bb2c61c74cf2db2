import VigildCommand

// Plain vigild: no cluster mode linked. Given a [cluster] table, it execs vigild-cluster from its own directory.
VigilD.main(clusterAuthority: nil)
