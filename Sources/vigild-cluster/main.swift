import VigilClusterDaemon
import VigildCommand

// vigild with cluster mode (etcd): what plain vigild execs when its configuration has a [cluster] table.
VigilD.main(clusterAuthority: ClusterMode.authority)
