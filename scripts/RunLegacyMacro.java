import java.io.File;
import org.scijava.Context;
import org.scijava.script.ScriptModule;
import org.scijava.script.ScriptService;
import net.imagej.legacy.LegacyService;

/**
 * Helper of scripts/check-update-site.sh, run with ImageJ2's legacy layer on the class path (java's single-file launch):
 * patches ImageJ 1 as Fiji does (before any ij.* class is loaded), starts a SciJava context with every service found
 * (LegacyService included) and runs one .ijm file through the IJ1 macro language, as Fiji runs a macro.
 */
public class RunLegacyMacro {
	public static void main(String[] args) throws Exception {
		net.imagej.patcher.LegacyInjector.preinit(); // patch IJ1 before any ij.* class is loaded
		Context ctx = new Context(); // all discoverable services (ImageJ2 legacy layer included)
		LegacyService legacy = ctx.service(LegacyService.class);
		System.err.println("[RunLegacyMacro] legacy active=" + legacy.isActive() + " version=" + legacy.getVersion()
			+ " plugins.dir=" + System.getProperty("plugins.dir") + " headless=" + java.awt.GraphicsEnvironment.isHeadless());
		ScriptModule m = ctx.service(ScriptService.class).run(new File(args[0]), true).get();
		System.err.println("[RunLegacyMacro] done, return=" + m.getReturnValue());
		ctx.dispose();
		System.exit(0);
	}
}
