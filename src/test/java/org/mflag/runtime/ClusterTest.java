package org.mflag.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Who is in the cluster: the keys, or SLURM's variables under {@code srun} (cluster=auto). */
class ClusterTest {

  @Test
  void srunGivesEveryTaskItsRankAndTheNodes() {
    Map<String, String> env = Map.of("SLURM_NTASKS", "4", "SLURM_PROCID", "2", "SLURM_JOB_NODELIST", "gpu[07-09],head");
    Cluster c = Cluster.resolve("auto", "auto", 29500, env);
    assertEquals(List.of("gpu07:29500", "gpu08:29500", "gpu09:29500", "head:29500"), c.addresses());
    assertEquals(2, c.rank());
    assertEquals("/job:worker/replica:0/task:2", c.taskDevice());
  }

  @Test
  void slurmNodeListsExpand() {
    assertEquals(List.of("n1", "n3", "n4", "n5", "x"), Cluster.expandNodeList("n[1,3-5],x"));
    assertEquals(List.of("node001", "node002", "big-a10"), Cluster.expandNodeList("node[001-002],big-a10"));
  }

  @Test
  void aloneUnlessSeveralTasksAreNamed() {
    assertNull(Cluster.resolve("auto", "auto", 29500, Map.of()), "no SLURM: this process alone");
    assertNull(Cluster.resolve("auto", "auto", 29500, Map.of("SLURM_NTASKS", "1", "SLURM_JOB_NODELIST", "n1")));
    assertNull(Cluster.resolve("none", "auto", 29500, Map.of("SLURM_NTASKS", "2", "SLURM_JOB_NODELIST", "n[1-2]")));
    assertNull(Cluster.resolve("a:1", "auto", 29500, Map.of()), "one address is one process");
  }

  @Test
  void explicitAddressesNeedARankAndSaneValues() {
    Cluster c = Cluster.resolve("10.0.0.1:2222,10.0.0.2:2222", "1", 29500, Map.of());
    assertEquals(1, c.rank());
    assertEquals(2, c.size());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Cluster.resolve("a:1,b:1", "auto", 29500, Map.of()));
    assertTrue(e.getMessage().contains("rank=0..1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Cluster.resolve("a:1,b:1", "2", 29500, Map.of()));
    assertTrue(e.getMessage().contains("rank 2 is not in the cluster of 2"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Cluster.resolve("a:1,b", "0", 29500, Map.of()));
    assertTrue(e.getMessage().contains("'b': expected host:port"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Cluster.resolve("auto", "auto", 29500,
        Map.of("SLURM_NTASKS", "4", "SLURM_PROCID", "0", "SLURM_JOB_NODELIST", "n[1-2]")));
    assertTrue(e.getMessage().contains("--ntasks-per-node=1"), e.getMessage());
  }
}
