/**
 * buildah for the container test: a local base image (Debian's mirror is reachable where no
 * registry is), a local stand-in for the official Deno image made from this Deno's binary, the
 * build of ferry's Containerfile, and commands run inside the built image with the host's
 * network (`podman run` needs rlimits that a sandbox may refuse; `buildah run --isolation
 * chroot` does not).
 *
 * @module
 */
import { join } from "node:path";

/** Runs a command to the end; throws with its output when it fails. */
export async function sh(cmd: string, args: string[], options: { cwd?: string } = {}) {
  const out = await new Deno.Command(cmd, { args, ...options, stdout: "piped", stderr: "piped" })
    .output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`${cmd} ${args.join(" ")} failed (${out.code}):\n${text}\n${err}`);
  }
  return text.trim();
}

const imageExists = (name: string) =>
  new Deno.Command("buildah", {
    args: ["inspect", "--type", "image", name],
    stdout: "null",
    stderr: "null",
  })
    .output().then((o) => o.success);

/** Debian bookworm (minbase) as `localhost/debian:bookworm`, made once with mmdebstrap. */
export async function localBase(): Promise<string> {
  const name = Deno.env.get("FERRY_TEST_BASE") ?? "localhost/debian:bookworm";
  if (await imageExists(name)) return name;
  for (const tool of ["mmdebstrap", "podman"]) {
    const found = await new Deno.Command("sh", {
      args: ["-c", `command -v ${tool}`],
      stdout: "null",
    })
      .output();
    if (!found.success) {
      throw new Error(
        `No base image ${name} and no ${tool} to make one: apt-get install mmdebstrap podman, ` +
          "or set FERRY_TEST_BASE to a local Debian image",
      );
    }
  }
  const dir = await Deno.makeTempDir({ prefix: "ferry-base-" });
  try {
    const tar = join(dir, "rootfs.tar");
    await sh("mmdebstrap", ["--variant=minbase", "bookworm", tar]);
    await sh("podman", ["import", tar, name]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return name;
}

/** The running Deno's binary in an image laid out as `denoland/deno:bin-*` (`/deno`). */
export async function localDenoImage(): Promise<string> {
  const name = `localhost/deno:bin-${Deno.version.deno}`;
  if (await imageExists(name)) return name;
  const dir = await Deno.makeTempDir({ prefix: "ferry-deno-image-" });
  try {
    await Deno.copyFile(Deno.execPath(), join(dir, "deno"));
    await Deno.writeTextFile(join(dir, "Containerfile"), "FROM scratch\nCOPY deno /deno\n");
    await sh("buildah", ["bud", "--isolation", "chroot", "-q", "-t", name, dir]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return name;
}

/** Builds the repository's Containerfile as `tag` from the local base and Deno images. */
export async function buildImage(root: string, tag: string): Promise<void> {
  const [base, deno] = [await localBase(), await localDenoImage()];
  // A TLS-inspecting proxy's CA bundle, passed as the Containerfile's optional build secret.
  const bundle = Deno.env.get("SSL_CERT_FILE") ?? "/etc/ssl/certs/ca-certificates.crt";
  const secret = await Deno.stat(bundle).then(() => ["--secret", `id=ca,src=${bundle}`], () => []);
  await sh("buildah", [
    "bud",
    "--isolation",
    "chroot",
    "--format",
    "docker",
    "--layers",
    ...secret,
    "--build-arg",
    `BASE=${base}`,
    "--build-arg",
    `DENO_IMAGE=${deno}`,
    "-f",
    "Containerfile",
    "-t",
    tag,
    ".",
  ], { cwd: root });
}

/** `buildah inspect` of an image: Docker's config. */
export async function imageConfig(tag: string) {
  return JSON.parse(await sh("buildah", ["inspect", "--type", "image", tag])).Docker.config;
}

/** The image's size in bytes, as `buildah images` gives it ("368 MB": decimal units). */
export async function imageSize(tag: string): Promise<number> {
  const listed = JSON.parse(await sh("buildah", ["images", "--json", tag]));
  const [, value, unit] = /^([\d.]+)\s*(\w+)$/.exec(listed[0].size) ?? [];
  const scale = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 }[unit as "MB"];
  if (!value || !scale) throw new Error(`Cannot read the size of ${tag}: '${listed[0].size}'`);
  return Number(value) * scale;
}

/** A working container of `tag`, and commands run in it. */
export async function container(tag: string) {
  const name = await sh("buildah", ["from", "--pull-never", tag]);
  const args = (env: Record<string, string>, volumes: string[], cmd: string[]) => [
    "run",
    "--isolation",
    "chroot",
    ...Object.entries(env).flatMap(([k, v]) => ["--env", `${k}=${v}`]),
    ...volumes.flatMap((v) => ["--volume", v]),
    name,
    "--",
    ...cmd,
  ];
  return {
    /** Runs `cmd` to the end; its exit code. */
    exec: async (cmd: string[], env: Record<string, string> = {}) =>
      (await new Deno.Command("buildah", {
        args: args(env, [], cmd),
        stdout: "null",
        stderr: "null",
      })
        .output()).code,
    /** Starts `cmd` in the background. */
    spawn: (cmd: string[], env: Record<string, string> = {}, volumes: string[] = []) =>
      new Deno.Command("buildah", {
        args: args(env, volumes, cmd),
        stdout: "piped",
        stderr: "piped",
      })
        .spawn(),
    remove: () => sh("buildah", ["rm", name]),
  };
}

/**
 * Processes (ids as this machine sees them: chroot isolation shares the process table) whose
 * command line contains `command` and whose environment holds `variable` (`NAME=value`).
 */
export function processesWith(
  command: string,
  variable: string,
): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      if (!cmdline.includes(command)) continue;
      const environ = Deno.readTextFileSync(`/proc/${entry.name}/environ`).split("\0");
      if (environ.includes(variable)) found.push({ pid: Number(entry.name), cmdline });
    } catch {
      // Gone between the listing and the read.
    }
  }
  return found;
}
