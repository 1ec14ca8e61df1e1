// The Python extension's active interpreter (ms-python.python API), when it is installed.
import * as vscode from "vscode";

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { id: string; path: string };
    resolveEnvironment(
      env: { id: string; path: string } | string,
    ): Promise<{ executable: { uri?: vscode.Uri } } | undefined>;
    onDidChangeActiveEnvironmentPath: vscode.Event<unknown>;
  };
  settings?: {
    getExecutionDetails?(resource?: vscode.Uri): { execCommand: string[] | undefined };
  };
}

async function api(): Promise<PythonApi | undefined> {
  const ext = vscode.extensions.getExtension<PythonApi>("ms-python.python");
  if (!ext) return undefined;
  return ext.isActive ? ext.exports : await ext.activate();
}

export async function pythonExtensionInterpreter(
  resource?: vscode.Uri,
): Promise<string[] | undefined> {
  const py = await api();
  if (!py) return undefined;
  if (py.environments) {
    const env = await py.environments.resolveEnvironment(
      py.environments.getActiveEnvironmentPath(resource),
    );
    const exe = env?.executable.uri?.fsPath;
    if (exe) return [exe];
  }
  return py.settings?.getExecutionDetails?.(resource).execCommand;
}

/** Fires when the user picks another interpreter in the Python extension. */
export async function onDidChangePythonInterpreter(
  listener: () => void,
): Promise<vscode.Disposable | undefined> {
  const py = await api().catch(() => undefined);
  return py?.environments?.onDidChangeActiveEnvironmentPath(listener);
}
