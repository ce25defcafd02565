/**
 * Writes ferry's gRPC schema (serve's `OIP_GRPC_ROOT`) as `.proto` text, so that `grpcio-tools`
 * can generate Python stubs from it where the official file is not at hand.
 *
 * @module
 */
import protobuf from "protobufjs";

function fieldLine(field: protobuf.Field, indent: string): string {
  const type = field instanceof protobuf.MapField
    ? `map<${field.keyType}, ${field.type}>`
    : `${field.repeated ? "repeated " : ""}${field.type}`;
  return `${indent}${type} ${field.name} = ${field.id};`;
}

function typeText(type: protobuf.Type, indent: string): string[] {
  const lines = [`${indent}message ${type.name} {`];
  const inner = indent + "  ";
  for (const nested of type.nestedArray) {
    if (nested instanceof protobuf.Type) lines.push(...typeText(nested, inner));
  }
  const inOneof = new Set(type.oneofsArray.flatMap((o) => o.fieldsArray));
  for (const field of type.fieldsArray) {
    if (!inOneof.has(field)) lines.push(fieldLine(field, inner));
  }
  for (const oneof of type.oneofsArray) {
    lines.push(`${inner}oneof ${oneof.name} {`);
    for (const field of oneof.fieldsArray) lines.push(fieldLine(field, inner + "  "));
    lines.push(`${inner}}`);
  }
  lines.push(`${indent}}`);
  return lines;
}

/** The `.proto` (proto3) text of the package `name` in `root`: its services and messages. */
export function protoText(root: protobuf.Root, name: string): string {
  const pkg = root.lookup(name) as protobuf.Namespace;
  const lines = ['syntax = "proto3";', `package ${name};`];
  for (const nested of pkg.nestedArray) {
    if (nested instanceof protobuf.Service) {
      lines.push(`service ${nested.name} {`);
      for (const m of nested.methodsArray) {
        lines.push(`  rpc ${m.name}(${m.requestType}) returns (${m.responseType});`);
      }
      lines.push("}");
    } else if (nested instanceof protobuf.Type) {
      lines.push(...typeText(nested, ""));
    }
  }
  return lines.join("\n") + "\n";
}
