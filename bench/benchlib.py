"""What every benchmark report needs: min / median / max of the runs, the machine, and the versions under test.

Imported by run.py and by the report steps of run-peruser.sh, run-connections.sh and run-inbound.sh (they run from
the project root: sys.path.insert(0, "bench")).
"""
import statistics
import subprocess
import zipfile


def mmm(values, fmt="{:.0f}"):
    """'min / median / max' of the values that are not None, 'n/a' when there are none."""
    v = sorted(x for x in values if x is not None)
    if not v:
        return "n/a"
    return " / ".join(fmt.format(x) for x in (v[0], statistics.median(v), v[-1]))


def sh(command):
    return subprocess.run(["sh", "-c", command], capture_output=True, text=True).stdout.strip()


def cpu_model():
    return sh("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2")


def java_version():
    return subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]


def machine():
    """'<cpu model>, <n> cores, <kernel>'."""
    return f"{cpu_model()}, {sh('nproc')} cores, {sh('uname -sr')}"


def jar_property(jar, name, key="version"):
    """A key of a properties file inside the jar, '?' when absent."""
    try:
        with zipfile.ZipFile(jar) as z:
            for line in z.read(name).decode().splitlines():
                if line.startswith(key + "="):
                    return line.split("=", 1)[1]
    except KeyError:
        pass
    return "?"


def versions(jar):
    """'gateway X, Vert.x Y, Kafka Z', read from the fat jar."""
    return (f"gateway {jar_property(jar, 'META-INF/maven/io.kafkabridge/kafka-eventbus-bridge/pom.properties')}, "
            f"Vert.x {jar_property(jar, 'META-INF/maven/io.vertx/vertx-core/pom.properties')}, "
            f"Kafka {jar_property(jar, 'kafka/kafka-version.properties')}")
