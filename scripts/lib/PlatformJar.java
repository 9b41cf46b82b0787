// Builds the platform library kotlinc compiles Android code against, in place
// of the JDK (run by scripts/test.d/42-android.sh with the source launcher:
// `java -cp ASM:ANIMAL_SNIFFER scripts/lib/PlatformJar.java …`).
//
//   PlatformJar api SIGNATURE OUT.jar SOURCE…
//       Every class the Animal Sniffer SIGNATURE lists (the public API of one
//       Android API level: java.*, javax.*, android.*, org.json, …), taken from
//       the first SOURCE that has it, with only the fields and methods the
//       signature lists and the supertypes it names. SOURCE is a jar, or `jrt`
//       (the running JDK's modules). An API that level does not have is then
//       absent, so kotlinc -no-jdk fails on it as Android Lint's NewApi would.
//       Every body is a `throw` (android.jar's "Stub!"), static initialisers
//       are dropped: the classes load, do nothing.
//
//   PlatformJar uninstrument OUT.jar IN.jar
//       A Robolectric android-all-instrumented jar as the platform it was made
//       from: without the interfaces, fields and methods Robolectric adds
//       (org.robolectric.* supertypes, __robo_data__, $$robo$$…), only the
//       packages android.jar has besides java.* and javax.* (SDK_PACKAGES), every body a `throw` (android.jar's "Stub!"), static
//       initialisers dropped: a compile classpath that also loads.
//
//   PlatformJar classes OUT.jar SOURCE CLASS…
//       The named classes (internal names) from SOURCE, bodies dropped: stubs of
//       the few newer APIs that code guarded at run time may name (42-android.sh
//       says which, and checks the guard).
//
//   PlatformJar jdk OUT.jar
//       The running JDK's java.base module, java.* and javax.* only: the core
//       library next to a level's android-all when no signature of that level
//       is at hand.
//
// Prints what it wrote and what the signature lists that no SOURCE has.
import java.io.*;
import java.net.URI;
import java.nio.file.*;
import java.util.*;
import java.util.jar.*;
import java.util.stream.*;
import java.util.zip.*;
import org.codehaus.mojo.animal_sniffer.Clazz;
import org.objectweb.asm.*;

public class PlatformJar {
    public static void main(String[] args) throws Exception {
        if (args.length >= 3 && args[0].equals("api")) {
            api(Path.of(args[1]), Path.of(args[2]), Arrays.asList(args).subList(3, args.length));
        } else if (args.length == 2 && args[0].equals("jdk")) {
            jdk(Path.of(args[1]));
        } else if (args.length == 3 && args[0].equals("uninstrument")) {
            uninstrument(Path.of(args[1]), Path.of(args[2]));
        } else if (args.length >= 4 && args[0].equals("classes")) {
            classes(Path.of(args[1]), args[2], Arrays.asList(args).subList(3, args.length));
        } else {
            System.err.println("usage: PlatformJar api SIGNATURE OUT.jar SOURCE… | jdk OUT.jar | uninstrument OUT.jar IN.jar | classes OUT.jar SOURCE CLASS…");
            System.exit(2);
        }
    }

    /** Class files by internal name, from jars and the JDK's modules. */
    interface Source {
        byte[] read(String internalName) throws IOException;
    }

    static Source open(String spec) throws IOException {
        if (spec.equals("jrt")) {
            FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
            Map<String, Path> index = new HashMap<>();
            try (Stream<Path> modules = Files.list(jrt.getPath("/modules"))) {
                for (Path module : (Iterable<Path>) modules::iterator) {
                    try (Stream<Path> files = Files.walk(module)) {
                        files.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                            String name = module.relativize(p).toString();
                            index.putIfAbsent(name.substring(0, name.length() - 6), p);
                        });
                    }
                }
            }
            return name -> index.containsKey(name) ? Files.readAllBytes(index.get(name)) : null;
        }
        ZipFile zip = new ZipFile(spec);
        return name -> {
            ZipEntry e = zip.getEntry(name + ".class");
            if (e == null) return null;
            try (InputStream in = zip.getInputStream(e)) {
                return in.readAllBytes();
            }
        };
    }

    /** An entry with a fixed time: the same input gives the same jar, byte for byte (compiles are cached by content). */
    static JarEntry entry(String name) {
        JarEntry e = new JarEntry(name);
        e.setTime(315532800000L); // 1980-01-01, the earliest a zip entry can say
        return e;
    }

    static Map<String, Clazz> signature(Path file) throws Exception {
        Map<String, Clazz> classes = new TreeMap<>();
        try (ObjectInputStream in = new ObjectInputStream(new GZIPInputStream(Files.newInputStream(file)))) {
            for (Object o; (o = in.readObject()) != null; ) {
                Clazz c = (Clazz) o;
                classes.put(c.getName(), c);
            }
        }
        return classes;
    }

    static void api(Path signatureFile, Path out, List<String> sourceSpecs) throws Exception {
        Map<String, Clazz> api = signature(signatureFile);
        List<Source> sources = new ArrayList<>();
        for (String s : sourceSpecs) sources.add(open(s));
        List<String> missingClasses = new ArrayList<>();
        int missingMembers = 0, members = 0;
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out))) {
            for (Clazz c : api.values()) {
                byte[] bytes = null;
                for (Source s : sources) if ((bytes = s.read(c.getName())) != null) break;
                if (bytes == null) {
                    if (System.getenv("PLATFORM_JAR_VERBOSE") != null) System.out.println("  no class " + c.getName());
                    missingClasses.add(c.getName());
                    continue;
                }
                Restrict r = new Restrict(c, api.keySet());
                ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS);
                new ClassReader(bytes).accept(r.visitor(w), ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES);
                members += r.kept;
                missingMembers += r.unmatched();
                if (System.getenv("PLATFORM_JAR_VERBOSE") != null) {
                    for (String m : r.entry.getSignatures()) if (!r.seen.contains(m)) System.out.println("  no member " + c.getName() + " " + m);
                }
                jar.putNextEntry(entry(c.getName() + ".class"));
                jar.write(w.toByteArray());
                jar.closeEntry();
            }
        }
        System.out.printf("%s: %d classes, %d members of %s%n", out.getFileName(), api.size() - missingClasses.size(),
            members, signatureFile.getFileName());
        if (!missingClasses.isEmpty() || missingMembers > 0) {
            System.out.printf("  listed but in no source (left out): %d classes, %d members%s%n", missingClasses.size(),
                missingMembers, missingClasses.isEmpty() ? "" : " — e.g. " + String.join(", ", missingClasses.subList(0, Math.min(5, missingClasses.size()))));
        }
    }

    /** Keeps what one signature entry lists of a class file. */
    static final class Restrict {
        final Clazz entry;
        final Set<String> known;
        final Set<String> seen = new HashSet<>();
        int kept;

        Restrict(Clazz entry, Set<String> known) {
            this.entry = entry;
            this.known = known;
        }

        int unmatched() {
            int n = 0;
            for (String s : entry.getSignatures()) if (!seen.contains(s)) n++;
            return n;
        }

        ClassVisitor visitor(ClassVisitor next) {
            return new ClassVisitor(Opcodes.ASM9, next) {
                @Override
                public void visit(int version, int access, String name, String signature, String superName, String[] interfaces) {
                    String[] apiInterfaces = entry.getSuperInterfaces() == null ? new String[0] : entry.getSuperInterfaces();
                    String sig = signature == null ? null : supertypes(signature, entry.getSuperClass(), Set.of(apiInterfaces));
                    super.visit(version, access, name, sig, entry.getSuperClass(), apiInterfaces);
                }

                @Override
                public void visitPermittedSubclass(String permittedSubclass) {
                    if (known.contains(permittedSubclass)) super.visitPermittedSubclass(permittedSubclass);
                }

                @Override
                public void visitNestMember(String nestMember) {}

                @Override
                public void visitInnerClass(String name, String outerName, String innerName, int access) {
                    if (known.contains(name)) super.visitInnerClass(name, outerName, innerName, access);
                }

                @Override
                public void visitSource(String source, String debug) {}

                @Override
                public RecordComponentVisitor visitRecordComponent(String name, String descriptor, String signature) {
                    return null;
                }

                @Override
                public FieldVisitor visitField(int access, String name, String descriptor, String signature, Object value) {
                    String key = name + "#" + descriptor;
                    if (!entry.getSignatures().contains(key)) return null;
                    seen.add(key);
                    kept++;
                    return super.visitField(access, name, descriptor, signature, value);
                }

                @Override
                public MethodVisitor visitMethod(int access, String name, String descriptor, String signature, String[] exceptions) {
                    String key = name + descriptor;
                    if (!entry.getSignatures().contains(key)) return null;
                    seen.add(key);
                    if (name.equals("<clinit>")) return null;
                    kept++;
                    return stub(access, super.visitMethod(access, name, descriptor, signature, exceptions));
                }
            };
        }
    }

    /**
     * A class's generic signature with only the supertypes the API names: JDK
     * classes implement interfaces Android does not have (`Constable`,
     * `TypeDescriptor.OfField`…), which would otherwise leak into the API.
     * Grammar: `[<formal type parameters>] superclass {interface}`, each
     * supertype `L…;` with `<…>` nested.
     */
    static String supertypes(String signature, String superName, Set<String> interfaces) {
        int i = 0;
        StringBuilder out = new StringBuilder();
        if (signature.charAt(0) == '<') {
            int depth = 0;
            do {
                char ch = signature.charAt(i++);
                if (ch == '<') depth++;
                else if (ch == '>') depth--;
            } while (depth > 0);
            out.append(signature, 0, i);
        }
        boolean first = true;
        while (i < signature.length()) {
            int start = i, depth = 0;
            for (;; i++) {
                char ch = signature.charAt(i);
                if (ch == '<') depth++;
                else if (ch == '>') depth--;
                else if (ch == ';' && depth == 0) break;
            }
            i++;
            String type = signature.substring(start, i);
            String erased = type.substring(1, type.length() - 1).replaceAll("<[^<>]*>", "");
            while (erased.contains("<")) erased = erased.replaceAll("<[^<>]*>", "");
            erased = erased.replace('.', '$');
            if (first) {
                out.append(erased.equals(superName) || superName == null ? type : "L" + superName + ";");
                first = false;
            } else if (interfaces.contains(erased)) {
                out.append(type);
            }
        }
        return out.toString();
    }

    /**
     * What android.jar holds besides java.* and javax.*: android-all also
     * carries the platform's internals (com.android.internal, libcore, its
     * copies of jsr305 and others), which are not API.
     */
    static final List<String> SDK_PACKAGES =
        List.of("android/", "dalvik/", "org/json/", "org/xmlpull/", "org/apache/http/", "javax/microedition/khronos/");

    static void uninstrument(Path out, Path in) throws Exception {
        int n = 0;
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out)); ZipFile zip = new ZipFile(in.toFile())) {
            for (ZipEntry e : Collections.list(zip.entries())) {
                String name = e.getName();
                if (!name.endsWith(".class") || SDK_PACKAGES.stream().noneMatch(name::startsWith)) continue;
                byte[] bytes;
                try (InputStream input = zip.getInputStream(e)) {
                    bytes = input.readAllBytes();
                }
                ClassWriter w = new ClassWriter(ClassWriter.COMPUTE_MAXS);
                new ClassReader(bytes).accept(new ClassVisitor(Opcodes.ASM9, w) {
                    @Override
                    public void visit(int version, int access, String cls, String signature, String superName, String[] interfaces) {
                        String[] kept = Arrays.stream(interfaces).filter(i -> !i.startsWith("org/robolectric/")).toArray(String[]::new);
                        String sig = signature == null || kept.length == interfaces.length ? signature : supertypes(signature, superName, Set.of(kept));
                        super.visit(version, access, cls, sig, superName, kept);
                    }

                    @Override
                    public FieldVisitor visitField(int access, String field, String descriptor, String signature, Object value) {
                        return field.startsWith("__robo") ? null : super.visitField(access, field, descriptor, signature, value);
                    }

                    @Override
                    public MethodVisitor visitMethod(int access, String method, String descriptor, String signature, String[] exceptions) {
                        if (method.startsWith("$$robo$") || method.equals("__constructor__") || method.equals("__staticInitializer__")
                            || method.equals("<clinit>")) return null;
                        return stub(access, super.visitMethod(access, method, descriptor, signature, exceptions));
                    }
                }, ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES);
                jar.putNextEntry(entry(name));
                jar.write(w.toByteArray());
                jar.closeEntry();
                n++;
            }
        }
        System.out.printf("%s: %d classes of %s, Robolectric's instrumentation removed%n", out.getFileName(), n, in.getFileName());
    }

    /**
     * A body that throws, as android.jar's: the classes load (JUnit reads the
     * test classes' annotations, which name android classes, outside
     * Robolectric's sandbox) but do nothing; static initialisers are dropped.
     */
    static MethodVisitor stub(int access, MethodVisitor next) {
        if ((access & (Opcodes.ACC_ABSTRACT | Opcodes.ACC_NATIVE)) != 0) return next;
        return new MethodVisitor(Opcodes.ASM9, next) {
            @Override
            public void visitEnd() {
                super.visitCode();
                super.visitTypeInsn(Opcodes.NEW, "java/lang/RuntimeException");
                super.visitInsn(Opcodes.DUP);
                super.visitLdcInsn("Stub!");
                super.visitMethodInsn(Opcodes.INVOKESPECIAL, "java/lang/RuntimeException", "<init>", "(Ljava/lang/String;)V", false);
                super.visitInsn(Opcodes.ATHROW);
                super.visitMaxs(0, 0);
                super.visitEnd();
            }
        };
    }

    static void classes(Path out, String sourceSpec, List<String> names) throws Exception {
        Source source = open(sourceSpec);
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out))) {
            for (String name : names) {
                byte[] bytes = source.read(name);
                if (bytes == null) throw new FileNotFoundException(name + " is not in " + sourceSpec);
                ClassWriter w = new ClassWriter(0);
                new ClassReader(bytes).accept(w, ClassReader.SKIP_CODE | ClassReader.SKIP_FRAMES);
                jar.putNextEntry(entry(name + ".class"));
                jar.write(w.toByteArray());
                jar.closeEntry();
            }
        }
        System.out.printf("%s: %s%n", out.getFileName(), String.join(", ", names));
    }

    static void jdk(Path out) throws Exception {
        FileSystem jrt = FileSystems.getFileSystem(URI.create("jrt:/"));
        Path base = jrt.getPath("/modules/java.base");
        int n = 0;
        try (JarOutputStream jar = new JarOutputStream(Files.newOutputStream(out));
             Stream<Path> files = Files.walk(base)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                String name = base.relativize(p).toString();
                if (!name.endsWith(".class") || !(name.startsWith("java/") || name.startsWith("javax/"))) continue;
                jar.putNextEntry(entry(name));
                jar.write(Files.readAllBytes(p));
                jar.closeEntry();
                n++;
            }
        }
        System.out.printf("%s: %d classes of the JDK's java.base (java.*, javax.*)%n", out.getFileName(), n);
    }
}
